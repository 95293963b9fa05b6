package tokenizer

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var albertOnce struct {
	sync.Once
	data []byte
	err  error
}

// albertModel is ALBERT's 30k-clean.model (SentencePiece Unigram with the
// nmt_nfkc precompiled map, the same normalization T5's spiece.model has).
func albertModel(t testing.TB) []byte {
	t.Helper()
	albertOnce.Do(func() {
		f, err := os.Open(filepath.Join(fixtureDir, "albert-30k-clean.model.gz"))
		if err != nil {
			albertOnce.err = err
			return
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			albertOnce.err = err
			return
		}
		albertOnce.data, albertOnce.err = io.ReadAll(z)
	})
	if albertOnce.err != nil {
		t.Fatal(albertOnce.err)
	}
	return albertOnce.data
}

// The expected ids come from SentencePiece itself (its C++ library built
// to WebAssembly in the npm package @sctg/sentencepiece-js; see
// testdata/tokenizer/make_unigram_fixtures.js).
func TestUnigramMatchesSentencePiece(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtureDir, "albert-expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Text    string `json:"text"`
		IDs     []int  `json:"ids"`
		Decoded string `json:"decoded"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	tok, err := ReadSentencePiece(albertModel(t), UnigramOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 30000 {
		t.Fatalf("VocabSize = %d", tok.VocabSize())
	}
	unk, _ := tok.ID("<unk>")
	for _, c := range cases {
		got := tok.Encode(c.Text)
		if fmt.Sprint(got) != fmt.Sprint(c.IDs) {
			var pieces []string
			for _, id := range got {
				pieces = append(pieces, tok.Piece(id))
			}
			t.Errorf("Encode(%q) = %v %q, want %v", c.Text, got, pieces, c.IDs)
			continue
		}
		if !slices.Contains(c.IDs, unk) { // SentencePiece writes <unk> as " ⁇ "
			if back := tok.Decode(got, false); back != c.Decoded {
				t.Errorf("Decode(Encode(%q)) = %q, want %q", c.Text, back, c.Decoded)
			}
		}
	}
}

// tinyPieces is a hand-made Unigram vocabulary; the expected
// segmentations below are worked out by hand from the scores.
func tinyPieces() []Piece {
	return []Piece{
		{"<pad>", 0, PieceControl}, {"</s>", 0, PieceControl}, {"<unk>", 0, PieceUnknown},
		{"▁", -3, PieceNormal},     // 3
		{"▁a", -2, PieceNormal},    // 4
		{"b", -2.5, PieceNormal},   // 5
		{"▁ab", -6, PieceNormal},   // 6
		{"a", -1.5, PieceNormal},   // 7
		{"ab", -3, PieceNormal},    // 8
		{"c", -4, PieceNormal},     // 9
		{"▁abc", -9, PieceNormal},  // 10
		{"é", -5, PieceNormal},     // 11
		{"▁ba", -4.4, PieceNormal}, // 12
	}
}

var plainSpec = NormalizerSpec{AddDummyPrefix: true, RemoveExtraWhitespaces: true, EscapeWhitespaces: true}

func TestUnigramViterbiHandComputed(t *testing.T) {
	tok, err := NewUnigram(tinyPieces(), 2, plainSpec, UnigramOptions{Specials: []string{"</s>", "<pad>"}, Append: []string{"</s>"}})
	if err != nil {
		t.Fatal(err)
	}
	// unknown characters score min(-9) - 10 = -19.
	for _, c := range []struct {
		text string
		want []int
	}{
		{"ab", []int{4, 5, 1}},       // ▁a b -4.5 beats ▁ab -6, ▁ ab -6, ▁ a b -7
		{"abc", []int{4, 5, 9, 1}},   // ▁a b c -8.5 beats ▁abc -9
		{"abx", []int{4, 5, 2, 1}},   // x is unknown
		{"xyz a", []int{3, 2, 4, 1}}, // ▁ then one <unk> for the run xyz
		{"  a\t", []int{4, 2, 1}},    // leading spaces dropped; no map turns the tab into a space
		{"ba", []int{12, 1}},         // ▁ba -4.4 beats ▁ b a (-7) and ▁ <unk> ...
		{"aé", []int{4, 11, 1}},      // a piece of one two-byte character
		{"a</s>b", []int{4, 1, 3, 5, 1}},
		{"", []int{1}},
		{"   ", []int{1}},
	} {
		if got := tok.Encode(c.text); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if got := tok.Decode([]int{4, 5, 9, 12, 1, 0}, true); got != "abc ba" {
		t.Errorf("Decode skipping specials = %q", got)
	}
	if got := tok.Decode([]int{4, 5, 2, 1, 0, 99}, false); got != "ab<unk></s><pad>" {
		t.Errorf("Decode keeping specials = %q", got)
	}
}

// The first path found wins a tie, as in SentencePiece: starts are visited
// left to right, and a path from a later start must be strictly better.
func TestUnigramTieKeepsFirstPath(t *testing.T) {
	pieces := []Piece{{"<unk>", 0, PieceUnknown}, {"▁x", -1, PieceNormal}, {"y", -1, PieceNormal},
		{"▁", -1, PieceNormal}, {"xy", -1, PieceNormal}}
	tok, err := NewUnigram(pieces, 0, plainSpec, UnigramOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("xy"); fmt.Sprint(got) != "[3 4]" { // ▁ xy (found from start 1) and ▁x y both -2
		t.Errorf("Encode(xy) = %v, want [3 4]", got)
	}
}

func albertCharsMap(t *testing.T) []byte {
	m, err := ParseSentencePieceModel(albertModel(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Normalizer.CharsMap) == 0 {
		t.Fatal("no precompiled charsmap")
	}
	return m.Normalizer.CharsMap
}

func TestPrecompiledCharsMap(t *testing.T) {
	spec := plainSpec
	spec.CharsMap = albertCharsMap(t)
	n, err := newSPNormalizer(spec)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"ﬁ Ｆｕｌｌ":         "▁fi▁Full",
		"  a\t\n b  ":    "▁a▁b",
		"①":              "▁1",
		"㍻":              "▁平成",
		"e\u0301":        "▁é",
		"a\u00a0\u3000b": "▁a▁b",
		"":               "",
	} {
		if got := n.normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// t5Vocab is a T5-shaped vocabulary: <pad>, </s>, <unk>, pieces, and the
// sentinels counting down from the top id.
func t5Vocab() []Piece {
	ps := []Piece{{"<pad>", 0, PieceControl}, {"</s>", 0, PieceControl}, {"<unk>", 0, PieceUnknown}}
	for i, w := range []string{"▁", "▁a", "▁photo", "▁of", "▁cat", "▁question", ":", "▁what", "?", "▁answer",
		"▁is", "▁this", "a", "t", "c", "▁c", "at", "▁ph", "oto", "s"} {
		ps = append(ps, Piece{w, -2 - float32(i%7) - float32(len(w))/4, PieceNormal})
	}
	return ps
}

func writeT5JSON(t *testing.T, dir string, cmap []byte) int {
	type addedToken struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	}
	var vocab [][2]any
	var added []addedToken
	ps := t5Vocab()
	for i, p := range ps {
		vocab = append(vocab, [2]any{p.Text, p.Score})
		if p.Type != PieceNormal {
			added = append(added, addedToken{i, p.Text, true})
		}
	}
	for i := 2; i >= 0; i-- { // three sentinels: <extra_id_2> .. <extra_id_0>
		vocab = append(vocab, [2]any{fmt.Sprintf("<extra_id_%d>", i), 0.0})
		added = append(added, addedToken{len(vocab) - 1, fmt.Sprintf("<extra_id_%d>", i), true})
	}
	tj := map[string]any{
		"version":      "1.0",
		"added_tokens": added,
		"normalizer":   map[string]any{"type": "Precompiled", "precompiled_charsmap": cmap},
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "WhitespaceSplit"},
			map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true}}},
		"post_processor": map[string]any{"type": "TemplateProcessing",
			"single": []any{map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
				map[string]any{"SpecialToken": map[string]any{"id": "</s>", "type_id": 0}}}},
		"decoder": map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true},
		"model":   map[string]any{"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": false},
	}
	data, err := json.Marshal(tj) // []byte marshals as base64, as tokenizers writes it
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return len(vocab)
}

// pb encodes protobuf fields for a hand-made spiece.model.
type pb []byte

func (b pb) key(num, wire int) pb { return appendUvarint(b, uint64(num<<3|wire)) }
func (b pb) bytes(num int, v []byte) pb {
	return append(appendUvarint(b.key(num, 2), uint64(len(v))), v...)
}
func (b pb) varint(num int, v uint64) pb { return appendUvarint(b.key(num, 0), v) }
func (b pb) float(num int, v float32) pb {
	u := math.Float32bits(v)
	return append(b.key(num, 5), byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
}

func appendUvarint(b pb, v uint64) pb {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func writeSpieceModel(t *testing.T, dir string, cmap []byte) {
	var m pb
	for _, p := range t5Vocab() {
		m = m.bytes(1, pb(nil).bytes(1, []byte(p.Text)).float(2, p.Score).varint(3, uint64(p.Type)))
	}
	m = m.bytes(2, pb(nil).varint(3, 1).varint(40, 2).varint(41, ^uint64(0)).varint(42, 1).varint(43, 0))
	m = m.bytes(3, pb(nil).bytes(1, []byte("nmt_nfkc")).bytes(2, cmap).varint(3, 1).varint(4, 1).varint(5, 1))
	if err := os.WriteFile(filepath.Join(dir, "spiece.model"), m, 0o644); err != nil {
		t.Fatal(err)
	}
}

// LoadT5 must read tokenizer.json and spiece.model to the same tokenizer:
// the same ids for the pieces, </s> appended, sentinels at the top ids.
func TestLoadT5(t *testing.T) {
	cmap := albertCharsMap(t)
	jsonDir, spDir := t.TempDir(), t.TempDir()
	jsonSize := writeT5JSON(t, jsonDir, cmap)
	writeSpieceModel(t, spDir, cmap)
	fromJSON, err := LoadT5(jsonDir)
	if err != nil {
		t.Fatal(err)
	}
	fromSP, err := LoadT5(spDir)
	if err != nil {
		t.Fatal(err)
	}
	n := len(t5Vocab())
	if fromJSON.VocabSize() != jsonSize || fromSP.VocabSize() != n+T5ExtraIDs {
		t.Fatalf("VocabSize = %d, %d", fromJSON.VocabSize(), fromSP.VocabSize())
	}
	for tok, id := range map[*Unigram]int{fromJSON: jsonSize - 1, fromSP: n + T5ExtraIDs - 1} {
		if got, _ := tok.ID("<extra_id_0>"); got != id {
			t.Errorf("<extra_id_0> = %d, want %d", got, id)
		}
	}
	ids := func(words ...string) []int {
		var out []int
		for _, w := range words {
			id, ok := fromJSON.ID(w)
			if !ok {
				t.Fatalf("no %q", w)
			}
			out = append(out, id)
		}
		return out
	}
	for text, want := range map[string][]int{
		"a photo of a cat":                ids("▁a", "▁photo", "▁of", "▁a", "▁cat", "</s>"),
		"  ａ photo\tof\n\n a ｃａｔ ":        ids("▁a", "▁photo", "▁of", "▁a", "▁cat", "</s>"),
		"Question: what is this? Answer:": ids("▁", "<unk>", "s", "t", "<unk>", ":", "▁what", "▁is", "▁this", "?", "▁", "<unk>", "s", "<unk>", ":", "</s>"),
		"question: what is this? answer:": ids("▁question", ":", "▁what", "▁is", "▁this", "?", "▁answer", ":", "</s>"),
		"a cat</s>":                       ids("▁a", "▁cat", "</s>", "</s>"),
		"":                                ids("</s>"),
	} {
		got := fromJSON.Encode(text)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Encode(%q) = %v, want %v", text, got, want)
		}
		if sp := fromSP.Encode(text); fmt.Sprint(sp) != fmt.Sprint(got) {
			t.Errorf("spiece.model Encode(%q) = %v, tokenizer.json %v", text, sp, got)
		}
	}
	e0, _ := fromJSON.ID("<extra_id_0>")
	e1, _ := fromJSON.ID("<extra_id_1>")
	if got := fromJSON.Encode("a <extra_id_0> cat<extra_id_1>"); fmt.Sprint(got) != fmt.Sprint(append(ids("▁a"), e0, ids("▁cat")[0], e1, 1)) {
		t.Errorf("sentinels: %v", got)
	}
	gen := append([]int{0}, ids("▁a", "▁cat", "▁of", "</s>", "<pad>")...)
	for _, tok := range []*Unigram{fromJSON, fromSP} {
		if got := tok.Decode(gen, true); got != "a cat of" {
			t.Errorf("Decode = %q", got)
		}
		// as Hugging Face prints T5 output: "<pad> a cat of</s>"
		if got := tok.Decode(gen, false); got != "<pad> a cat of</s><pad>" {
			t.Errorf("Decode keeping specials = %q", got)
		}
	}
}

// FuzzUnigram checks the encoder on arbitrary text: every id is a piece,
// and without unknowns the pieces spell the normalized text exactly.
func FuzzUnigram(f *testing.F) {
	tok, err := ReadSentencePiece(albertModel(f), UnigramOptions{})
	if err != nil {
		f.Fatal(err)
	}
	unk, _ := tok.ID("<unk>")
	for _, s := range []string{"a photo of a cat", "ﬁ Ｆｕｌｌ\t(x)", "  ", "日本語 abc", "\xff\xfeab", "▁▁a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		hasUnk := false
		for _, id := range tok.Encode(s) {
			if id < 0 || id >= tok.VocabSize() {
				t.Fatalf("id %d out of range", id)
			}
			hasUnk = hasUnk || id == unk
			b.WriteString(tok.Piece(id))
		}
		if want := tok.Normalize(s); !hasUnk && b.String() != want {
			t.Fatalf("pieces spell %q, normalized text is %q", b.String(), want)
		}
	})
}
