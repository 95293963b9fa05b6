//go:build !(js && wasm)

package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"blip2/model/gpu/kerneltest"
)

func init() {
	register("kernels", "print the kernel table (twins, tolerances, timings) as Markdown", runKernels)
}

func runKernels(args []string) error {
	fs := flag.NewFlagSet("kernels", flag.ContinueOnError)
	benchFile := fs.String("bench", "", "JSON lines from `server bench` to include")
	if err := fs.Parse(args); err != nil {
		return err
	}
	twins, err := kerneltest.ExportedFuncs("model/cpu")
	if err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	var timings []kerneltest.Timing
	if *benchFile != "" {
		f, err := os.Open(*benchFile)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var t kerneltest.Timing
			if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
				return fmt.Errorf("%s: %w", *benchFile, err)
			}
			timings = append(timings, t)
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	fmt.Print(kerneltest.Table(twins, timings))
	return nil
}
