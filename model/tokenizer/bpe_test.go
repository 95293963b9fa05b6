package tokenizer

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var fixtureDir = filepath.Join("..", "..", "testdata", "tokenizer")

func openGz(t *testing.T, name string) *gzip.Reader {
	t.Helper()
	f, err := os.Open(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func loadGPT2(t *testing.T, opt BPEOptions) *BPE {
	t.Helper()
	tok, err := ReadBPE(openGz(t, "gpt2-encoder.json.gz"), openGz(t, "gpt2-vocab.bpe.gz"), opt)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The expected ids come from the gpt-3-encoder JS package (see
// testdata/tokenizer/make_fixtures.js), an independent implementation.
func TestGPT2EncodeMatchesReferenceEncoder(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtureDir, "gpt2-expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Text string `json:"text"`
		IDs  []int  `json:"ids"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	tok := loadGPT2(t, GPT2Options())
	for _, c := range cases {
		got := tok.Encode(c.Text)
		if fmt.Sprint(got) != fmt.Sprint(c.IDs) {
			t.Errorf("Encode(%q) = %v, want %v", c.Text, got, c.IDs)
		}
		if back := tok.Decode(got, false); back != c.Text {
			t.Errorf("Decode(Encode(%q)) = %q", c.Text, back)
		}
	}
}

func TestGPT2PreTokenizerSplits(t *testing.T) {
	cases := map[string]string{
		"Hello world":     "Hello| world",
		"Hello   world":   "Hello|  | world",
		"it's":            "it|'s",
		"''s":             "''|s",
		"I'M":             "I|'|M",
		"a\nb":            "a|\n|b",
		"x  ":             "x|  ",
		"abc123def":       "abc|123|def",
		" !?":             " !?",
		"\t\tz":           "\t|\t|z",
		"😀 😀":             "😀| 😀",
		"we'll've":        "we|'ll|'ve",
		"end ":            "end| ",
		"'re're":          "'re|'re",
		"  \n x":          "  \n| x",
		"tab\t!":          "tab|\t|!",
		"café naïve":      "café| naïve",
		"1,000":           "1|,|000",
		"ǅemal 12½":       "ǅemal| 12½",
		"Привет, мир!":    "Привет|,| мир|!",
		"a\u00a0b":        "a|\u00a0|b",
		"x \u3000y":       "x| |\u3000|y",
		"hi\r\nthere":     "hi|\r|\n|there",
		"don't stop":      "don|'t| stop",
		"'":               "'",
		"''":              "''",
		"' s":             "'| s",
		"rock'n'roll":     "rock|'|n|'|roll",
		"$100.00":         "$|100|.|00",
		"a  b  ":          "a| | b|  ",
		"\n":              "\n",
		"":                "",
		"A":               "A",
		"1 2":             "1| 2",
		"e\u0301":         "e|\u0301",
		"snake_case_name": "snake|_|case|_|name",
	}
	for in, want := range cases {
		if got := strings.Join(splitGPT2(in), "|"); got != want {
			t.Errorf("splitGPT2(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOPTPrependsBOSAndSplitsSpecials(t *testing.T) {
	// A toy OPT-style vocabulary: the real OPT ids differ from GPT-2's, but
	// the BPE and the special-token handling are the same code.
	vocab := map[string]int{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4, "Ġa": 5, "b": 6, "Ġ": 7}
	tok, err := NewBPE(vocab, [][2]string{{"Ġ", "a"}}, OPTOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tok.Encode("a a</s>b c")); got != "[2 4 5 2 6 7 3]" {
		t.Errorf("Encode = %s, want [2 4 5 2 6 7 3] (BOS, pieces, special </s>, unknown c)", got)
	}
	if got := tok.Decode([]int{2, 4, 5, 2}, true); got != "a a" {
		t.Errorf("Decode skipping specials = %q", got)
	}
	if _, err := NewBPE(vocab, nil, BPEOptions{Specials: []string{"<mask>"}}); err == nil {
		t.Error("special token outside the vocabulary accepted")
	}
}

func TestGPT2DecodeReplacesSplitCharacters(t *testing.T) {
	tok := loadGPT2(t, GPT2Options())
	ids := tok.Encode("😀")
	if got := tok.Decode(ids[:1], false); !strings.Contains(got, "\uFFFD") {
		t.Errorf("a partial emoji should decode to U+FFFD, got %q", got)
	}
	eot := tok.Encode("a<|endoftext|>b")
	if fmt.Sprint(eot) != "[64 50256 65]" {
		t.Errorf("<|endoftext|> should be one special id: %v", eot)
	}
}

func TestTokenizerJSONMergesBothSpellings(t *testing.T) {
	for _, raw := range []string{`["a b", "ab c"]`, `[["a","b"],["ab","c"]]`} {
		m, err := parseMerges(json.RawMessage(raw))
		if err != nil || len(m) != 2 || m[1] != [2]string{"ab", "c"} {
			t.Errorf("parseMerges(%s) = %v, %v", raw, m, err)
		}
	}
}

func TestLoadBPEFromTokenizerJSON(t *testing.T) {
	dir := t.TempDir()
	tj := `{"added_tokens":[{"id":3,"content":"</s>","special":true}],
		"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}`
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(tj), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadBPE(dir, BPEOptions{Specials: []string{"</s>"}, BOS: "</s>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tok.Encode("abab")); got != "[3 2 2]" {
		t.Errorf("Encode = %s", got)
	}
}
