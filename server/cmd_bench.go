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
	trainStep := fs.Bool("train", false, "time full training steps of a checkpoint's configuration instead of the kernels")
	ckpt := fs.String("checkpoint", defaultModel, "with -train: model folder whose config is timed (Hugging Face or streaming format; the weights are not read)")
	stage := fs.String("stage", "all", "with -train: stage0-vision, stage0-lm, stage1, stage2, a comma-separated list, or all")
	batch := fs.Int("batch", 0, "with -train: samples per step (0: each stage's training default)")
	textLen := fs.Int("text-len", 0, "with -train: text tokens (0: each stage's training default)")
	fill := fs.Float64("fill", 0.4, "with -train: share of each caption's text positions that hold tokens, the rest padding (the default dataset's training captions fill 0.4 of 24 on average: the bare label half the time)")
	steps := fs.Int("steps", 3, "with -train: timed steps after the warm-up step")
	profile := fs.Bool("profile", true, "with -train: then one step split by kernel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trainStep {
		return benchTrain(trainBenchOptions{checkpoint: *ckpt, stages: parseStages(*stage), batch: *batch, textLen: *textLen, fill: *fill,
			steps: *steps, profile: *profile}, os.Stdout)
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
