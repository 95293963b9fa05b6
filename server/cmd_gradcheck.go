//go:build !(js && wasm)

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"blip2/model/gpu"
	"blip2/model/train"
	"blip2/model/weights"
)

func init() {
	register("gradcheck", "run both training stages on a reference batch and write losses, intermediates and gradients (safetensors)", runGradcheck)
}

func runGradcheck(args []string) error {
	fs := flag.NewFlagSet("gradcheck", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", "", "checkpoint folder (config.json + safetensors)")
	trainDir := fs.String("train", "", "training reference folder (itg_head.safetensors, train_inputs.safetensors)")
	out := fs.String("out", "gradcheck.safetensors", "output file")
	device := fs.String("device", "cpu", "cpu (the host reference) or gpu (the device training step on the current adapter)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" || *trainDir == "" {
		return fmt.Errorf("-checkpoint and -train are required")
	}
	if *device != "cpu" && *device != "gpu" {
		return fmt.Errorf("-device %q: want cpu or gpu", *device)
	}
	m, b, err := train.LoadReference(*ckpt, *trainDir)
	if err != nil {
		return err
	}
	var ts []weights.Tensor
	if *device == "gpu" {
		d, err := gpu.Open(context.Background())
		if err != nil {
			return err
		}
		defer d.Close()
		fmt.Fprintf(os.Stderr, "adapter: %s\n", d.Info)
		s, err := train.NewGPU(m, d, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		ts, err = s.ReferenceTensors(b)
		if err != nil {
			return err
		}
	} else if ts, err = m.ReferenceTensors(b); err != nil {
		return err
	}
	if err := weights.WriteFile(*out, ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d tensors to %s\n", len(ts), *out)
	// With a reference beside the inputs, report the comparison too.
	ref := filepath.Join(*trainDir, "train_outputs.safetensors")
	want, err := weights.Open(ref)
	if err != nil {
		return nil
	}
	defer want.Close()
	bad := 0
	for _, d := range train.Compare(ts, want, nil) {
		status := "ok"
		if d.Failed() {
			status, bad = "FAIL "+d.Problem, bad+1
		}
		fmt.Printf("%-70s max|Δ| %.3g  max|ref| %.3g  %.3f× tol  %s\n", d.Name, d.MaxAbs, d.MaxRef, d.Worst, status)
	}
	if bad > 0 {
		return fmt.Errorf("%d tensors out of tolerance against %s", bad, ref)
	}
	return nil
}
