package blip2

import (
	"path/filepath"
	"testing"

	"blip2/model/config"
	"blip2/model/cpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// goldenSets are the Hugging Face reference sets under testdata/golden.
var goldenSets = []string{"blip2-tiny-a", "blip2-tiny-a2"}

func goldenDir(set string) string { return filepath.Join("..", "..", "testdata", "golden", set) }

// openGolden opens a reference checkpoint's config and weights.
func openGolden(t testing.TB, set string) (*config.Blip2Config, weights.Store) {
	t.Helper()
	dir := goldenDir(set)
	cfg, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	store, closer, err := weights.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	return cfg, store
}

// loadGolden binds a reference checkpoint and reads its inputs.
func loadGolden(t testing.TB, set string) (*Model, *Inputs, *weights.File) {
	t.Helper()
	dir := goldenDir(set)
	m, err := Load(openGolden(t, set))
	if err != nil {
		t.Fatal(err)
	}
	inf, err := weights.Open(filepath.Join(dir, "inputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inf.Close() })
	in, err := ReadInputs(inf)
	if err != nil {
		t.Fatal(err)
	}
	want, err := weights.Open(filepath.Join(dir, "outputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { want.Close() })
	return m, in, want
}

func runGolden(t *testing.T, b nn.Backend, set string, tol float64) {
	m, in, want := loadGolden(t, set)
	got, err := m.ReferenceOutputs(b, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range CompareOutputs(got, want, tol, tol) {
		t.Error(p)
	}
}

func TestReferenceSetsMatchOnTheHostReference(t *testing.T) {
	for _, set := range goldenSets {
		t.Run(set, func(t *testing.T) { runGolden(t, cpu.New(), set, 1e-4) })
	}
}
