//go:build !(js && wasm)

package trainer

import (
	"os"
	"path/filepath"
	"testing"

	"blip2/model/stream"
	"blip2/model/weights"
)

// TestLoadModelFromConvertedFolder: a model in the streaming format (f32)
// trains from the same weights and learned temperature as its Hugging
// Face folder, and a checkpoint made from it is a Hugging Face folder
// again.
func TestLoadModelFromConvertedFolder(t *testing.T) {
	tmp := t.TempDir()
	fresh, _, err := LoadModel(tinyInit(t, filepath.Join(tmp, "fresh")), 1)
	if err != nil {
		t.Fatal(err)
	}
	fresh.Temp.Data[0] = 0.0432 // as stage 1 leaves it, not the 0.07 a new run starts from
	init := filepath.Join(tmp, "init")
	if err := SaveCheckpoint(init, filepath.Join(tmp, "fresh"), fresh, nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(init, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	src, closer, err := weights.OpenDir(init)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	state, err := weights.Open(filepath.Join(init, trainStateFile))
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	// as `server convert` takes it: the model and the temperature beside it
	src, err = weights.Merge(src, weights.Only(state, func(n string) bool { return n == "temp" }))
	if err != nil {
		t.Fatal(err)
	}
	conv := filepath.Join(tmp, "conv")
	if err := os.MkdirAll(conv, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Convert(src, cfg, "f32", conv, nil); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(filepath.Join(init, "vocab.txt"), filepath.Join(conv, "vocab.txt")); err != nil {
		t.Fatal(err)
	}
	want, _, err := LoadModel(init, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := LoadModel(conv, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want.Temp.Data[0] != 0.0432 || got.Temp.Data[0] != 0.0432 {
		t.Errorf("temperature %g from the folder, %g from its conversion, want 0.0432", want.Temp.Data[0], got.Temp.Data[0])
	}
	wp, gp := weights.Params(want.Model), weights.Params(got.Model)
	if len(wp) != len(gp) {
		t.Fatalf("%d parameters, want %d", len(gp), len(wp))
	}
	for i := range wp {
		for j := range wp[i].Data {
			if wp[i].Data[j] != gp[i].Data[j] {
				t.Fatalf("%s[%d] = %g, want %g", gp[i].Name, j, gp[i].Data[j], wp[i].Data[j])
			}
		}
	}
	out := filepath.Join(tmp, "ckpt")
	if err := SaveCheckpoint(out, conv, got, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest.json", "config.json", "vocab.txt"} {
		_, err := os.Stat(filepath.Join(out, name))
		if (err == nil) != (name != "manifest.json") {
			t.Errorf("%s in the checkpoint: %v", name, err)
		}
	}
	back, _, err := LoadModel(out, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b := weights.Params(back.Model); b[3].Data[1] != wp[3].Data[1] {
		t.Errorf("the checkpoint's %s differs", b[3].Name)
	}
}
