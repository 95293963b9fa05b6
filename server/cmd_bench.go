//go:build !(js && wasm)

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"

	"blip2/model/gpu"
	"blip2/model/gpu/kerneltest"
)

func init() {
	register("bench", "time every kernel on the GPU beside its pure-Go twin (JSON lines)", runBench)
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	match := fs.String("run", ".", "regexp selecting kernels by name")
	budget := fs.Duration("budget", 2*time.Second, "time spent on each side of each benchmark")
	if err := fs.Parse(args); err != nil {
		return err
	}
	re, err := regexp.Compile(*match)
	if err != nil {
		return err
	}
	d, err := gpu.Open(context.Background())
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(os.Stderr, "adapter: %s\n", d.Info)
	enc := json.NewEncoder(os.Stdout)
	for _, b := range kerneltest.Benches() {
		if !re.MatchString(b.Kernel) {
			continue
		}
		t, err := kerneltest.Measure(d, b, *budget)
		if err != nil {
			return err
		}
		if err := enc.Encode(t); err != nil {
			return err
		}
	}
	return nil
}
