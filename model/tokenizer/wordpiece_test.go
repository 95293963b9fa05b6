package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadBERT(t *testing.T) *WordPiece {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtureDir, "bert-base-uncased-vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vocab, err := ReadVocabTxt(f)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := NewQFormerTokenizer(vocab)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Ids published in HF's documentation and model cards for
// bert-base-uncased, independent of our vocab conversion.
func TestBERTKnownEncodings(t *testing.T) {
	tok := loadBERT(t)
	cases := map[string]string{
		"Hello, my dog is cute": "[101 7592 1010 2026 3899 2003 10140 102]",
		"hello world":           "[101 7592 2088 102]",
		"":                      "[101 102]",
	}
	for in, want := range cases {
		if got := fmt.Sprint(tok.Encode(in)); got != want {
			t.Errorf("Encode(%q) = %s, want %s", in, got, want)
		}
	}
	if tok.PAD != 0 || tok.UNK != 100 || tok.CLS != 101 || tok.SEP != 102 {
		t.Errorf("special ids PAD %d UNK %d CLS %d SEP %d", tok.PAD, tok.UNK, tok.CLS, tok.SEP)
	}
	if id, _ := tok.ID("[DEC]"); id != 30522 || tok.VocabSize() != 30523 {
		t.Errorf("[DEC] = %d, vocab %d; BLIP-2 expects 30522 and 30523", id, tok.VocabSize())
	}
}

// Pieces derived by hand from BasicTokenizer's rules and a greedy
// longest-match over vocab.txt.
func TestBERTTokenizeRules(t *testing.T) {
	tok := loadBERT(t)
	cases := map[string]string{
		"A woman sitting on the beach with a dog": "a woman sitting on the beach with a dog",
		"The quick brown fox.":                    "the quick brown fox .",
		"don't stop":                              "don ' t stop",
		"Café naïve RÉSUMÉ":                       "cafe naive resume", // lower + strip accents
		"unaffable tokenization":                  "una ##ffa ##ble token ##ization",
		"$100.00 or 50%":                          "$ 100 . 00 or 50 %", // ASCII symbols count as punctuation
		"中文abc":                                   "中 文 abc",            // CJK ideographs split out
		"a\u0000b\u200bc\ufffd":                   "abc",                // NUL, Cf and U+FFFD dropped
		"tab\tnew\nline\u00a0here":                "tab new line here",
		"😀 ok":                                    "[UNK] ok",
		"straße":                                  "st ##raße", // ß does not decompose
		"[CLS] hi [SEP] [MASK]":                   "[CLS] hi [SEP] [MASK]",
		"[cls]":                                   "[ cl ##s ]", // specials match case-sensitively
		"[DEC] a":                                 "[DEC] a",
		"cafe\u0301 caf\u00e9":                    "cafe cafe", // both spellings strip
		"¿qué?":                                   "¿ que ?",
		strings.Repeat("a", 101):                  "[UNK]",
	}
	for in, want := range cases {
		if got := strings.Join(tok.Tokenize(in), " "); got != want {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBERTEncodePaddedTruncatesAndPads(t *testing.T) {
	tok := loadBERT(t)
	ids, mask := tok.EncodePadded("hello world", 6)
	if fmt.Sprint(ids, mask) != "[101 7592 2088 102 0 0] [1 1 1 1 0 0]" {
		t.Errorf("padded = %v %v", ids, mask)
	}
	ids, mask = tok.EncodePadded("hello world hello world", 4)
	if fmt.Sprint(ids, mask) != "[101 7592 2088 102] [1 1 1 1]" {
		t.Errorf("truncated = %v %v", ids, mask)
	}
}

func TestBERTDecodeJoinsContinuations(t *testing.T) {
	tok := loadBERT(t)
	ids := tok.Encode("unaffable dog")
	if got := tok.Decode(ids, true); got != "unaffable dog" {
		t.Errorf("Decode = %q", got)
	}
	if got := tok.Decode(ids, false); got != "[CLS] unaffable dog [SEP]" {
		t.Errorf("Decode with specials = %q", got)
	}
}

func TestLoadWordPieceFromTokenizerJSONAddsDEC(t *testing.T) {
	dir := t.TempDir()
	tj := `{"added_tokens":[{"id":6,"content":"[DEC]","special":true}],
		"normalizer":{"type":"BertNormalizer","lowercase":true},
		"model":{"type":"WordPiece","unk_token":"[UNK]","max_input_chars_per_word":100,
		"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"[MASK]":4,"dog":5}}}`
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(tj), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadWordPiece(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tok.Encode("[DEC] Dog cat")); got != "[2 6 5 1 3]" {
		t.Errorf("Encode = %s, want [2 6 5 1 3]", got)
	}
	if _, err := NewWordPiece([]string{"[PAD]", "a"}); err == nil {
		t.Error("vocabulary without [CLS] accepted")
	}
}
