//go:build !(js && wasm)

// Command server is the native entry point: it serves the demo and the model
// files, and runs the offline jobs (bench, data, convert, infer, train) as
// subcommands. Every file in this package is native-only because it
// blank-imports the gogpu backends, which do not exist under js/wasm.
package main

import (
	"fmt"
	"os"
	"sort"

	_ "github.com/gogpu/wgpu/hal/allbackends"
)

// command is one subcommand: `go run ./server NAME [flags]`.
type command struct {
	summary string
	run     func(args []string) error
}

// commands is filled by the init functions of the cmd_*.go files, one per
// subcommand, so that adding a command touches no shared file.
var commands = map[string]command{}

func register(name, summary string, run func(args []string) error) {
	if _, dup := commands[name]; dup {
		panic("server: command registered twice: " + name)
	}
	commands[name] = command{summary, run}
}

func main() {
	name, args := "serve", os.Args[1:]
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		usage()
		os.Exit(2)
	}
	if err := cmd.run(args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./server [command] [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
}
