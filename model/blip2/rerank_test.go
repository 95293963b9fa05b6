package blip2

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"blip2/model/weights"
)

// bindWithTemp binds the golden checkpoint with a "temp" tensor of value v
// beside it.
func bindWithTemp(t *testing.T, v []float32) (*Model, error) {
	t.Helper()
	cfg, store := openGolden(t, "blip2-tiny-a")
	path := filepath.Join(t.TempDir(), "temp.safetensors")
	if err := weights.WriteFile(path, []weights.Tensor{{Name: "temp", DType: weights.F32, Shape: []int{len(v)}, Data: v}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := weights.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := weights.Merge(store, f)
	if err != nil {
		t.Fatal(err)
	}
	return Load(cfg, src)
}

func TestTemperatureBindsAndScalesITC(t *testing.T) {
	plain, _, _ := loadGolden(t, "blip2-tiny-a")
	if plain.Temp != 0 {
		t.Fatalf("a checkpoint without temp has Temp %g", plain.Temp)
	}
	m, err := bindWithTemp(t, []float32{0.05})
	if err != nil {
		t.Fatal(err)
	}
	if m.Temp != 0.05 {
		t.Fatalf("Temp %g, want 0.05", m.Temp)
	}
	near := func(what string, got, want float32) {
		t.Helper()
		if math.Abs(float64(got-want)) > 1e-5 {
			t.Errorf("%s: %g, want %g", what, got, want)
		}
	}
	near("with temp", m.RerankScore(0.5, -1, 2), 3+0.5/0.05)
	near("without", plain.RerankScore(0.5, -1, 2), 3+0.5)
	// What the two logits share is never trained: it must not move a score.
	near("a shared shift", m.RerankScore(0.5, 6, 9), m.RerankScore(0.5, -1, 2))
	// A higher cosine or a surer match each raise the score.
	if m.RerankScore(0.6, -1, 2) <= m.RerankScore(0.5, -1, 2) || m.RerankScore(0.5, -1, 2.1) <= m.RerankScore(0.5, -1, 2) {
		t.Error("the score does not grow with ITC and with ITM's log-odds")
	}
}

func TestBadTemperatureIsRefused(t *testing.T) {
	for _, v := range [][]float32{{0}, {-0.07}, {float32(math.NaN())}, {0.07, 0.07}} {
		_, err := bindWithTemp(t, v)
		if err == nil || !strings.Contains(err.Error(), "temp") {
			t.Errorf("temp %v: %v, want an error naming temp", v, err)
		}
	}
}

// A folder `server train` wrote keeps temp in its training state, beside
// the optimizer's moments: LoadDir binds it from there.
func TestLoadDirReadsTempFromTheTrainingState(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"config.json", "model.safetensors"} {
		abs, err := filepath.Abs(filepath.Join(goldenDir("blip2-tiny-a"), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	state := []weights.Tensor{{Name: "temp", DType: weights.F32, Shape: []int{1}, Data: []float32{0.09}},
		{Name: "adam.m.query_tokens", DType: weights.F32, Shape: []int{2}, Data: []float32{1, 2}}}
	if err := weights.WriteFile(filepath.Join(dir, TrainStateFile), state, nil); err != nil {
		t.Fatal(err)
	}
	m, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Temp != 0.09 {
		t.Errorf("Temp %g, want the training state's 0.09", m.Temp)
	}
}
