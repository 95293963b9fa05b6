//go:build !(js && wasm)

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	trainStep := fs.Bool("train", false, "time the stage-1 training step (GPU beside host) instead of the kernels")
	ckpt := fs.String("checkpoint", "testdata/golden/blip2-tiny-a", "with -train: checkpoint folder")
	trainDir := fs.String("traindir", "", "with -train: training reference folder (default <checkpoint>/train)")
	batch := fs.Int("batch", 8, "with -train: image-text pairs per step (2..8)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trainStep {
		if *trainDir == "" {
			*trainDir = filepath.Join(*ckpt, "train")
		}
		return benchTrain(*ckpt, *trainDir, *batch, *budget)
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
