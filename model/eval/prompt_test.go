package eval

import (
	"math"
	"path/filepath"
	"testing"

	"blip2/model/cpu"
	"blip2/model/train"
)

// TestPromptProbeIsStage2sLoss: the probe's own-image losses are the loss
// stage 2 trains (computed by the training path), and the report is
// consistent with the loss matrix it comes from.
func TestPromptProbeIsStage2sLoss(t *testing.T) {
	m, b, err := train.LoadReference(refSet, filepath.Join(refSet, "train"))
	if err != nil {
		t.Fatal(err)
	}
	if m.OPT == nil || len(b.LMIDs) < 2 {
		t.Fatalf("the reference set has no OPT language model or fewer than 2 captions")
	}
	n := len(b.LMIDs)
	per := len(b.Pixels) / n
	pixels := func(i int) ([]float32, error) { return b.Pixels[i*per : (i+1)*per], nil }
	be := cpu.New()
	loss, none, err := promptLosses(be, m.Model, n, pixels, b.LMIDs, b.LMMask, b.LMLabels, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := m.Stage2(b)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	var count int
	for i := 0; i < n; i++ {
		sum, count = sum+loss[i][i].sum, count+loss[i][i].n
		if none[i].n != loss[i][i].n {
			t.Errorf("caption %d: %d targets without a prompt, %d with", i, none[i].n, loss[i][i].n)
		}
	}
	if d := math.Abs(sum/float64(count) - float64(s2.Loss)); d > 1e-4 {
		t.Errorf("own-image loss %.6f, stage 2's loss %.6f", sum/float64(count), s2.Loss)
	}
	r, err := PromptProbe(be, m.Model, n, pixels, b.LMIDs, b.LMMask, b.LMLabels, nil)
	if err != nil {
		t.Fatal(err)
	}
	var own float64
	for i := 0; i < n; i++ {
		own += loss[i][i].mean() / float64(n)
	}
	if r.Pairs != n || math.Abs(r.Own-own) > 1e-9 || !(r.Other > 0) || !(r.None > 0) {
		t.Errorf("report %+v, own-image mean %.6f", r, own)
	}
	// One caption at a time gives the same losses as all at once.
	defer func(v int) { probeBytes = v }(probeBytes)
	probeBytes = 1
	one, noneOne, err := promptLosses(be, m.Model, n, pixels, b.LMIDs, b.LMMask, b.LMLabels, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if math.Abs(noneOne[i].sum-none[i].sum) > 1e-9 {
			t.Errorf("caption %d without a prompt: %g in chunks of one, %g at once", i, noneOne[i].sum, none[i].sum)
		}
		for c := 0; c < n; c++ {
			if math.Abs(one[i][c].sum-loss[i][c].sum) > 1e-9 || one[i][c].n != loss[i][c].n {
				t.Errorf("image %d, caption %d: %+v in chunks of one, %+v at once", i, c, one[i][c], loss[i][c])
			}
		}
	}
	if _, err := PromptProbe(be, m.Model, 1, pixels, b.LMIDs[:1], b.LMMask[:1], b.LMLabels[:1], nil); err == nil {
		t.Error("one pair probed without an error")
	}
}
