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
// trains from the same weights as its Hugging Face folder, and a
// checkpoint made from it is a Hugging Face folder again.
func TestLoadModelFromConvertedFolder(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	cfg, err := os.ReadFile(filepath.Join(init, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	src, closer, err := weights.OpenDir(init)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
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
