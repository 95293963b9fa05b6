package stream

import (
	"fmt"
	"path/filepath"
	"testing"

	"blip2/model/blip2"
	"blip2/model/weights"
)

// TestTrainingTensorsShipApart: the ITG head and temp of a trained folder
// convert into shards of their own, after every other: loading the model
// never fetches the head's and reads temp from its own; the other shards
// are the ones a conversion without them writes.
func TestTrainingTensorsShipApart(t *testing.T) {
	cfgJSON, src := openSet(t, "blip2-tiny-a")
	head, err := weights.Open(filepath.Join(golden("blip2-tiny-a"), "train", "itg_head.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer head.Close()
	tempPath := filepath.Join(t.TempDir(), "temp.safetensors")
	if err := weights.WriteFile(tempPath, []weights.Tensor{{Name: "temp", DType: weights.F32, Shape: []int{1}, Data: []float32{0.0625}}}, nil); err != nil {
		t.Fatal(err)
	}
	temp, err := weights.Open(tempPath)
	if err != nil {
		t.Fatal(err)
	}
	defer temp.Close()
	withHead, err := weights.Merge(src, head, temp)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Convert(src, cfgJSON, "int8", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	m, err := Convert(withHead, cfgJSON, "int8", out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shards) != len(plain.Shards)+2 {
		t.Fatalf("%d shards, want the %d of the model, one for the head and one for temp", len(m.Shards), len(plain.Shards))
	}
	for i, sh := range plain.Shards {
		if m.Shards[i].SHA256 != sh.SHA256 {
			t.Errorf("shard %d changed with the head beside it", i)
		}
	}
	last, headShard := len(m.Shards)-1, len(m.Shards)-2
	for _, tn := range m.Tensors {
		for _, p := range tn.Parts {
			if (p.Shard == headShard) != blip2.TrainingOnly(tn.Name) || (p.Shard == last) != (tn.Name == "temp") {
				t.Errorf("%s is in shard %d of %d", tn.Name, p.Shard, len(m.Shards))
			}
		}
	}
	fetched := map[string]bool{}
	s, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	inner := s.fetch
	s.fetch = func(file string) ([]byte, error) { fetched[file] = true; return inner(file) }
	model, err := LoadModel(s)
	if err != nil {
		t.Fatal(err)
	}
	if fetched[m.Shards[headShard].File] {
		t.Error("loading the model fetched the training shard")
	}
	if model.Temp != 0.0625 {
		t.Errorf("temp bound as %g, want 0.0625", model.Temp)
	}
}

func TestNaturalOrder(t *testing.T) {
	got := naturalOrder([]string{"l.10.w", "l.2.w", "l.1.w", "l.1.b", "l.02x", "a", "l.10", "l.9.w"})
	want := []string{"a", "l.1.b", "l.1.w", "l.2.w", "l.02x", "l.9.w", "l.10", "l.10.w"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", got, want)
	}
}
