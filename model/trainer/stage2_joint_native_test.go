//go:build !(js && wasm)

package trainer

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// TestStage2KeepStage1: with -keep-stage1 every stage-2 update also
// trains stage 1's losses: the log has the captioning loss beside ITC, ITM
// and ITG, the Q-Former's text side (which captioning alone never moves)
// and the language projection both train, and a run stopped after step 3
// resumes to the uninterrupted run's losses, bit for bit.
func TestStage2KeepStage1(t *testing.T) {
	tmp := t.TempDir()
	_, lmOut, d := tinyLM(t, tmp, 2)
	o := tinyStage2Options(lmOut)
	o.Steps, o.KeepStage1 = 6, true
	whole := filepath.Join(tmp, "whole")
	if _, err := RunStage2(context.Background(), d, whole, o, false, nil); err != nil {
		t.Fatal(err)
	}
	recs, err := readLog(logFile(whole))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"loss", "caption", "itc", "itm", "itg"} {
		if _, ok := recs[0].Losses[k]; !ok {
			t.Errorf("the log has no %q: %v", k, recs[0].Losses)
		}
	}
	if l := recs[0].Losses; math.Abs(float64(l["loss"]-(l["caption"]+l["itc"]+l["itm"]+l["itg"]))) > 1e-5*float64(l["loss"]) {
		t.Errorf("loss %v is not captioning + ITC + ITM + ITG", l)
	}
	before, _, err := LoadModel(lmOut, 1)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := LoadModel(FinalModel(whole), 1)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(before.QFormer.Layers[0].TextUp.Weight.Data, after.QFormer.Layers[0].TextUp.Weight.Data) {
		t.Error("the Q-Former's text feed-forward did not train: stage 1's losses are not in the update")
	}
	if slices.Equal(before.LangProj.Weight.Data, after.LangProj.Weight.Data) {
		t.Error("the language projection did not train: the captioning loss is not in the update")
	}

	out := filepath.Join(tmp, "run")
	ctx, cancel := context.WithCancel(context.Background())
	afterStep = func(step int) {
		if step == 3 {
			cancel()
		}
	}
	defer func() { afterStep = nil }()
	if _, err := RunStage2(ctx, d, out, o, false, nil); err == nil {
		t.Fatal("the stopped run finished")
	}
	afterStep = nil
	if _, err := RunStage2(context.Background(), d, out, o, true, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := losses(t, out), losses(t, whole); !slices.Equal(got, want) {
		t.Errorf("resumed losses %v, uninterrupted %v", got, want)
	}
	for _, bad := range []Options{{Stage: "stage1", KeepStage1: true}, {Stage: "stage2", KeepStage1: true, FreezeQFormer: true}} {
		b := o
		b.Stage, b.KeepStage1, b.FreezeQFormer = bad.Stage, bad.KeepStage1, bad.FreezeQFormer
		if err := b.check(); err == nil {
			t.Errorf("-keep-stage1 accepted for %s with -freeze-qformer %v", b.Stage, b.FreezeQFormer)
		}
	}
}
