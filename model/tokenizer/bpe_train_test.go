package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestTrainBPEWorkedExample is Sennrich et al.'s example (low ×5, lower
// ×2, newest ×6, widest ×3) worked by hand: es, est, lo, low, then ew
// (ties go to the pair whose symbols sort first).
func TestTrainBPEWorkedExample(t *testing.T) {
	var texts []string
	for w, n := range map[string]int{"low": 5, "lower": 2, "newest": 6, "widest": 3} {
		for i := 0; i < n; i++ {
			texts = append(texts, w)
		}
	}
	vocab, merges, err := TrainBPE(texts, 256+5, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"e", "s"}, {"es", "t"}, {"l", "o"}, {"lo", "w"}, {"e", "w"}}
	if !reflect.DeepEqual(merges, want) {
		t.Fatalf("merges %v, want %v", merges, want)
	}
	if len(vocab) != 261 || vocab["low"] != 259 || vocab["a"] != 'a' {
		t.Errorf("vocab has %d entries, low=%d, a=%d", len(vocab), vocab["low"], vocab["a"])
	}
	// Fewer merges than asked when no pair occurs twice any more.
	if _, m, _ := TrainBPE([]string{"ab", "ab", "cd"}, 1000, nil); len(m) != 1 {
		t.Errorf("merges %v, want only a b", m)
	}
	if _, _, err := TrainBPE(texts, 100, nil); err == nil {
		t.Error("a vocabulary smaller than the bytes was accepted")
	}
}

// TestTrainedBPERoundTrips writes a trained tokenizer as tokenizer.json,
// loads it with the OPT settings and encodes and decodes text, including
// bytes never seen in training.
func TestTrainedBPERoundTrips(t *testing.T) {
	texts := strings.Split(strings.Repeat("a red heart\na blue heart\nthe dog face\nhearts and dogs\n", 20), "\n")
	vocab, merges, err := TrainBPE(texts, 300, OPTSpecials)
	if err != nil {
		t.Fatal(err)
	}
	js, err := BPETokenizerJSON(vocab, merges, OPTSpecials)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadBPE(dir, OPTOptions())
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode("a red heart")
	if ids[0] != 2 || len(ids) > 4 {
		t.Errorf("Encode = %v: want </s> (2) first and whole words for trained text", ids)
	}
	for _, s := range []string{"a red heart", "zebra ünïcode 🐶"} {
		if got := tok.Decode(tok.Encode(s), true); got != s {
			t.Errorf("round trip %q → %q", s, got)
		}
	}
	if vocab["<pad>"] != 1 || vocab["</s>"] != 2 {
		t.Error(fmt.Sprint("specials at ", vocab["<pad>"], vocab["</s>"]))
	}
}
