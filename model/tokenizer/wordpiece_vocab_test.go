package tokenizer

import (
	"strings"
	"testing"
)

func TestBuildWordPieceVocab(t *testing.T) {
	texts := []string{"a red square", "a red stripe", "a blue square", "Smiling face with hearts", "a square"}
	vocab, err := BuildWordPieceVocab(texts, 60)
	if err != nil {
		t.Fatal(err)
	}
	if len(vocab) != 60 || vocab[len(vocab)-1] != "[DEC]" || vocab[0] != "[PAD]" {
		t.Fatalf("vocab of %d, first %q, last %q", len(vocab), vocab[0], vocab[len(vocab)-1])
	}
	seen := map[string]bool{}
	for _, v := range vocab {
		if seen[v] {
			t.Fatalf("duplicate token %q", v)
		}
		seen[v] = true
	}
	again, _ := BuildWordPieceVocab(texts, 60)
	if strings.Join(again, " ") != strings.Join(vocab, " ") {
		t.Fatal("two builds from the same texts differ")
	}
	wp, err := NewQFormerTokenizer(vocab)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := wp.ID("[DEC]"); id != 59 {
		t.Errorf("[DEC] is %d, want the last id 59", id)
	}
	// Frequent words are whole; an unseen word splits into pieces, never [UNK].
	if got := wp.Tokenize("a square"); strings.Join(got, " ") != "a square" {
		t.Errorf("a square → %q", got)
	}
	for _, p := range wp.Tokenize("squid hearth") {
		if p == "[UNK]" {
			t.Errorf("a word of known letters became [UNK]: %q", wp.Tokenize("squid hearth"))
		}
	}
	if _, err := BuildWordPieceVocab(texts, 10); err == nil {
		t.Error("a vocabulary smaller than the alphabet was accepted")
	}
}
