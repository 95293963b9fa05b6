//go:build !(js && wasm)

// Command server is the native entry point: it serves the demo and the model
// files, and runs the offline jobs (bench, data, convert, infer, train) as
// subcommands. Every file in this package is native-only because it
// blank-imports the gogpu backends, which do not exist under js/wasm.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
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
	stop, err := startProfile(os.Getenv("BLIP2_CPUPROFILE"))
	if err == nil {
		err = cmd.run(args)
		stop()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// startProfile writes a Go CPU profile of the command to path when it is set
// (BLIP2_CPUPROFILE): the host side of a training step, encoding and
// submission included, next to the time spent waiting on the device.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("BLIP2_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("BLIP2_CPUPROFILE: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
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
