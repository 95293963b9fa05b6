package weights

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeShards(t *testing.T, index string) string {
	t.Helper()
	dir := t.TempDir()
	one := []Tensor{{Name: "a", DType: F32, Shape: []int{1}, Data: []float32{1}}}
	two := []Tensor{
		{Name: "b", DType: BF16, Shape: []int{2}, Data: []float32{2, 3}},
		{Name: "c", DType: I64, Shape: []int{1}, Data: []int64{9}},
	}
	if err := WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), one, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), two, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const goodIndex = `{"metadata":{"total_size":20},"weight_map":{
 "a":"model-00001-of-00002.safetensors",
 "b":"model-00002-of-00002.safetensors",
 "c":"model-00002-of-00002.safetensors"}}`

func TestOpenDirJoinsShards(t *testing.T) {
	store, closer, err := OpenDir(writeShards(t, goodIndex))
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if got := strings.Join(store.Names(), ","); got != "a,b,c" {
		t.Errorf("names = %s", got)
	}
	b, err := store.ReadF32("b")
	if err != nil || b[0] != 2 || b[1] != 3 {
		t.Errorf("b = %v %v", b, err)
	}
	c, err := store.(*Sharded).ReadI64("c")
	if err != nil || c[0] != 9 {
		t.Errorf("c = %v %v", c, err)
	}
}

func TestOpenDirRejectsInconsistentIndex(t *testing.T) {
	cases := map[string]string{
		"missing tensor":   strings.Replace(goodIndex, `"c":"model-00002`, `"d":"model-00002`, 1),
		"wrong shard":      strings.Replace(goodIndex, `"b":"model-00002`, `"b":"model-00001`, 1),
		"path escape":      strings.Replace(goodIndex, `"a":"model-00001`, `"a":"../model-00001`, 1),
		"empty weight map": `{"weight_map":{}}`,
		"not json":         `weight_map`,
	}
	for name, idx := range cases {
		if _, _, err := OpenDir(writeShards(t, idx)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestOpenDirFallsBackToSingleFile(t *testing.T) {
	dir := t.TempDir()
	ts := []Tensor{{Name: "x", DType: F16, Shape: []int{1}, Data: []float32{0.25}}}
	if err := WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
	store, closer, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	x, err := store.ReadF32("x")
	if err != nil || x[0] != 0.25 {
		t.Errorf("x = %v %v", x, err)
	}
}
