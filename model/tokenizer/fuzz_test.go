package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSplitGPT2 checks the hand-written pre-tokenizer loses nothing: the
// pieces are non-empty and concatenate back to the input.
func FuzzSplitGPT2(f *testing.F) {
	for _, s := range []string{"Hello  world", "it's\n\n x", "  \t", "😀'll", "a\u00a0 b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // []rune would turn bad bytes into U+FFFD
		}
		pieces := splitGPT2(s)
		for _, p := range pieces {
			if p == "" {
				t.Fatalf("empty piece in %q", pieces)
			}
		}
		if got := strings.Join(pieces, ""); got != s {
			t.Fatalf("pieces %q join to %q, not %q", pieces, got, s)
		}
	})
}

// FuzzWordPiece runs the BERT pipeline on arbitrary text with a tiny
// vocabulary; every piece must be a vocabulary entry.
func FuzzWordPiece(f *testing.F) {
	tok, err := NewWordPiece([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##a", "b", "##b", "!"})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"ab! BA", "Ａ\u0301b", "[CLS]a[SEP", "中a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range tok.Tokenize(s) {
			if _, ok := tok.ID(p); !ok {
				t.Fatalf("piece %q of %q not in vocabulary", p, s)
			}
		}
	})
}
