package train

import (
	"path/filepath"
	"strings"
	"testing"

	"blip2/model/weights"
)

const refSet = "../../testdata/golden/blip2-tiny-a"

func loadRef(t testing.TB) (*Model, *Batch, *weights.File) {
	t.Helper()
	m, b, err := LoadReference(refSet, filepath.Join(refSet, "train"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := weights.Open(filepath.Join(refSet, "train", "train_outputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { want.Close() })
	return m, b, want
}

func TestReferenceParity(t *testing.T) {
	m, b, want := loadRef(t)
	got, err := m.ReferenceTensors(b)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]float64{}
	for _, d := range Compare(got, want, nil) {
		if d.Failed() {
			t.Errorf("%s: %s max|Δ| %.3g (max|ref| %.3g, %.2f× tolerance)", d.Name, d.Problem, d.MaxAbs, d.MaxRef, d.Worst)
		}
		g := d.Name
		if i := strings.IndexByte(g, '.'); i > 0 {
			g = g[:i]
		}
		groups[g] = max(groups[g], d.MaxAbs)
	}
	for g, e := range groups {
		t.Logf("%-32s max|Δ| %.3g", g, e)
	}
}
