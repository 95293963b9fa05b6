//go:build !(js && wasm)

package trainer

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestStage0TinyRun trains 10 stage-0 steps of a tiny model on the data
// sample with augmentation and pins the losses; the final model carries
// the dual-encoder head, a ViT that has moved (through the split q/k/v
// views, the k bias untouched), a query feed-forward copied from the
// text feed-forward and temp back at 0.07.
func TestStage0TinyRun(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	out := filepath.Join(tmp, "run")
	sum, err := RunStage0Vision(context.Background(), testDevice(t), out, tinyStage0Options(init), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	t.Logf("losses %v", got)
	pinLosses(t, filepath.Join("..", "..", "testdata", "train", "stage0_tiny_losses.json"), got)
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the run does not learn: %v", got)
	}
	before, _, err := LoadModel(init, 1)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := LoadModel(FinalModel(out), 1)
	if err != nil {
		t.Fatalf("the final model does not load: %v", err)
	}
	if head, err := LoadDualHead(FinalModel(out), after); err != nil || head == nil {
		t.Fatalf("the final model has no %s (%v)", DualHeadFile, err)
	}
	a0, a1 := &before.Vision.Layers[0].SelfAttn, &after.Vision.Layers[0].SelfAttn
	if slices.Equal(a0.QKV.Data, a1.QKV.Data) || slices.Equal(before.Vision.Embeddings.Position.Data, after.Vision.Embeddings.Position.Data) {
		t.Error("the ViT did not change")
	}
	h := len(a0.QKVBias.Data) / 3
	if slices.Equal(a0.QKVBias.Data[:h], a1.QKVBias.Data[:h]) || !slices.Equal(a0.QKVBias.Data[h:2*h], a1.QKVBias.Data[h:2*h]) {
		t.Error("the q bias should have trained and the k bias stayed as it was")
	}
	for i := range after.QFormer.Layers {
		l := &after.QFormer.Layers[i]
		if !slices.Equal(l.QueryUp.Weight.Data, l.TextUp.Weight.Data) || !slices.Equal(l.QueryNorm.Bias.Data, l.TextNorm.Bias.Data) {
			t.Errorf("Q-Former layer %d: the query feed-forward is not the text one", i)
		}
	}
	if after.Temp.Data[0] != 0.07 {
		t.Errorf("temp %g in the final model, want 0.07 for stage 1", after.Temp.Data[0])
	}
}

// pinLosses compares losses with a pinned file (rewritten under -update)
// at 1e-4 relative: room for another driver's instruction selection only.
func pinLosses(t *testing.T, path string, got []float32) {
	t.Helper()
	if *update {
		js, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d losses, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-4*math.Abs(float64(want[i])) {
			t.Errorf("step %d: loss %.7g, want %.7g", i+1, got[i], want[i])
		}
	}
}
