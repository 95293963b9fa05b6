//go:build !(js && wasm)

package trainer

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFeatureCache: features computed once are read back equal from the
// cache; a truncated cache or one of another encoder is recomputed.
func TestFeatureCache(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	m, _, err := LoadModel(init, 1)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := LoadPairs(sampleData, "train")
	if err != nil {
		t.Fatal(err)
	}
	pairs = pairs[:10]
	d := testDevice(t)
	path := filepath.Join(tmp, "f.bin")
	first, err := ComputeFeatures(d, m.Model, sampleData, pairs, 4, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := 10 * m.Config.Vision.NumPositions() * m.Config.Vision.HiddenSize; len(first.Data) != want {
		t.Fatalf("%d values, want %d", len(first.Data), want)
	}
	h := featureHeader{Encoder: encoderHash(m.Model), Pairs: pairsHash(pairs), N: 10, P: first.P, Dv: first.Dv}
	cached, err := readFeatures(path, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := range first.Data {
		if cached.Data[i] != first.Data[i] {
			t.Fatalf("value %d: cached %g, computed %g", i, cached.Data[i], first.Data[i])
		}
	}
	other := h
	other.Pairs = pairsHash(pairs[:9])
	if _, err := readFeatures(path, other); err == nil {
		t.Error("a cache of other pairs was accepted")
	}
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-4); err != nil {
		t.Fatal(err)
	}
	if _, err := readFeatures(path, h); err == nil {
		t.Error("a truncated cache was accepted")
	}
	again, err := ComputeFeatures(d, m.Model, sampleData, pairs, 3, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range first.Data { // recomputed in batches of 3, not 4: each image's rows are its own
		if again.Data[i] != first.Data[i] {
			t.Fatalf("value %d: recomputed %g, first %g", i, again.Data[i], first.Data[i])
		}
	}
}
