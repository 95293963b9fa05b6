//go:build js && wasm

package main

import (
	"fmt"

	"blip2/model/blip2"
	"blip2/model/gpu"
	"blip2/model/train"
	"blip2/wasm/testpage"
)

// runTrain runs the device training step on set's training reference
// (../shared/golden/SET/train): both stages' losses, intermediates and the
// gradient of every trained tensor, on WebGPU, against PyTorch's within the
// tolerances the native suites use (train.Tolerance).
func runTrain(d *gpu.Device, set string, say testpage.Say) error {
	cfg, files, err := fetchSet(set, "model.safetensors", "train/itg_head.safetensors",
		"train/train_inputs.safetensors", "train/train_outputs.safetensors")
	if err != nil {
		return err
	}
	bm, err := blip2.Load(cfg, files["model.safetensors"])
	if err != nil {
		return err
	}
	m, b, err := train.ReferenceModel(bm, files["train/itg_head.safetensors"], files["train/train_inputs.safetensors"])
	if err != nil {
		return err
	}
	s, err := train.NewGPU(m, d, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	got, err := s.ReferenceTensors(b)
	if err != nil {
		return err
	}
	want := files["train/train_outputs.safetensors"]
	bad, worst, worstName := 0, 0.0, ""
	for _, diff := range train.Compare(got, want, nil) {
		if diff.Failed() {
			say("  %s: %s max|Δ| %.3g (max|ref| %.3g, %.2f× tolerance)", diff.Name, diff.Problem, diff.MaxAbs, diff.MaxRef, diff.Worst)
			bad++
		}
		if diff.Worst > worst {
			worst, worstName = diff.Worst, diff.Name
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d training tensors differ from the reference", bad, len(want.Names()))
	}
	say("PASS %s training step: %d losses, intermediates and gradients within the native tolerances (worst %s at %.2f× its tolerance)",
		set, len(want.Names()), worstName, worst)
	return nil
}
