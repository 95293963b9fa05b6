//go:build !(js && wasm)

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"blip2/model/cpu"
	"blip2/model/finetune"
	"blip2/model/gpu"
	"blip2/model/gpu/gputest"
	"blip2/model/weights"
)

// TestCheckpointTakesATunedFile: -checkpoint FILE.safetensors lays a
// fine-tuned file over the shipped model (tokenizers from its folder), and
// refuses one tuned from a model of other shapes, naming the file.
func TestCheckpointTakesATunedFile(t *testing.T) {
	t.Chdir("..")
	base, _, err := loadModel(defaultModel, cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	bias := base.LangProj.Bias
	shifted := make([]float32, len(bias.Data))
	for i, v := range bias.Data {
		shifted[i] = v + 1
	}
	write := func(name, config string) string {
		path := filepath.Join(t.TempDir(), name)
		ts := []weights.Tensor{{Name: bias.Name, DType: weights.F32, Shape: bias.Shape, Data: shifted}}
		if err := weights.WriteFile(path, ts, map[string]string{finetune.MetaKind: "1", finetune.MetaConfig: config}); err != nil {
			t.Fatal(err)
		}
		return path
	}
	m, dir, err := loadModel(write("tuned.safetensors", finetune.ConfigHash(base.Config)), cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	if dir != defaultModel {
		t.Errorf("tokenizers from %s, want %s", dir, defaultModel)
	}
	if got := m.LangProj.Bias.Data; got[0] != shifted[0] || got[len(got)-1] != shifted[len(got)-1] {
		t.Errorf("language_projection.bias %v…, want the file's %v…", got[:2], shifted[:2])
	}
	other := write("other.safetensors", "0123")
	if _, _, err := loadModel(other, cpu.New()); err == nil || !strings.Contains(err.Error(), "other.safetensors") || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("a file of another model: %v", err)
	}
}

// TestTunedFileOverAResidentModel: on the GPU, where the shipped model's
// layers are bound straight to the device, a tuned file is still laid over
// the Q-Former (which then stays on the host until it is used).
func TestTunedFileOverAResidentModel(t *testing.T) {
	t.Chdir("..")
	d := gputest.Open(t)
	b := gpu.NewBackend(d)
	defer b.ReleaseParams()
	host, _, err := loadModel(defaultModel, cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	key := &host.QFormer.Layers[0].Attention.Key.Bias
	shifted := make([]float32, len(key.Data))
	for i, v := range key.Data {
		shifted[i] = v + 1
	}
	path := filepath.Join(t.TempDir(), "tuned.safetensors")
	ts := []weights.Tensor{{Name: key.Name, DType: weights.F32, Shape: key.Shape, Data: shifted}}
	if err := weights.WriteFile(path, ts, map[string]string{finetune.MetaKind: "1", finetune.MetaConfig: finetune.ConfigHash(host.Config)}); err != nil {
		t.Fatal(err)
	}
	m, _, err := loadModel(path, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.QFormer.Layers[0].Attention.Key.Bias.Data; len(got) == 0 || got[0] != shifted[0] {
		t.Errorf("the tuned key bias did not land: %v", got)
	}
	if m.OPT.Layers[0].FC1.Weight.Data != nil {
		t.Error("the language model was not bound resident")
	}
}
