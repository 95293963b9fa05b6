package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unigram is a SentencePiece Unigram tokenizer (T5, Flan-T5, ALBERT, ...):
// text is normalized as SentencePiece does, then cut into the pieces that
// maximise the sum of their log-probabilities (Viterbi).
//
// Normalization applies the model's precompiled character map (nmt_nfkc for
// T5: NFKC plus folding of control and space characters) exactly as
// SentencePiece's normalizer does, then trims the text, collapses runs of
// spaces and writes them as "▁" with one "▁" prepended. A tokenizer.json
// with a plain "NFKC" normalizer and no map gets NFKC from x/text with
// Unicode spaces folded to " ".
//
// Known differences:
//   - Hugging Face's fast tokenizers apply the same map per grapheme
//     cluster (a cluster under 6 bytes is replaced whole by the first
//     match); SentencePiece, and this package, take the longest match at
//     each byte. They differ only on rare combining sequences.
//   - After the map only " " is white space, as in SentencePiece; the fast
//     tokenizers' WhitespaceSplit also splits at any Unicode space the map
//     leaves alone (nmt_nfkc already folds the usual ones).
//   - Text between special tokens is normalized on its own and each part
//     gets the "▁" prefix (Metaspace "always", the T5 legacy behaviour);
//     prepend_scheme "first" is read as "always".
//   - Path scores are float32 sums, as in SentencePiece (the fast
//     tokenizers use float64), so exact near-ties might resolve differently.
//   - User-defined pieces are scored as SentencePiece scores them, but the
//     character map still applies to them (SentencePiece protects them).
//   - Byte fallback and non-Unigram .model files are refused; Decode writes
//     <unk> as "<unk>" (SentencePiece: " ⁇ ") and does not apply
//     transformers' clean_up_tokenization_spaces.
type Unigram struct {
	pieces   []Piece
	match    map[string]int // pieces the encoder may produce
	all      map[string]int // every piece and special token
	specials *specialSet
	norm     *spNormalizer
	unk      int
	unkScore float32
	maxScore float32 // highest normal piece score (user-defined pieces)
	maxLen   int     // longest matchable piece, in bytes
	suffix   []int   // appended by Encode (T5: </s>)
}

// UnigramOptions configures a Unigram tokenizer.
type UnigramOptions struct {
	// Specials are matched verbatim in the raw text before normalization
	// (as added tokens are) and must be pieces; text between them is
	// normalized and encoded on its own.
	Specials []string
	// Append is added after every encoding (T5: "</s>").
	Append []string
	// Extra tokens with ids past the pieces, in order (T5's <extra_id_N>
	// when read from spiece.model, which does not hold them).
	Extra []string
}

// unkPenalty is SentencePiece's kUnkPenalty: an unknown character scores
// the lowest piece score minus this.
const unkPenalty = 10

// NewUnigram builds a tokenizer from pieces (id = index), the id of the
// unknown piece and the normalizer.
func NewUnigram(pieces []Piece, unk int, spec NormalizerSpec, opt UnigramOptions) (*Unigram, error) {
	if unk < 0 || unk >= len(pieces) {
		return nil, fmt.Errorf("tokenizer: unknown id %d outside the %d pieces", unk, len(pieces))
	}
	n, err := newSPNormalizer(spec)
	if err != nil {
		return nil, err
	}
	t := &Unigram{pieces: append([]Piece(nil), pieces...), match: map[string]int{}, all: map[string]int{},
		norm: n, unk: unk}
	for _, e := range opt.Extra {
		t.pieces = append(t.pieces, Piece{Text: e, Type: PieceControl})
	}
	specials := map[string]int{}
	for _, s := range opt.Specials {
		specials[s] = -1
	}
	minScore, haveMin := float32(0), false
	for id, p := range t.pieces {
		if _, dup := t.all[p.Text]; !dup {
			t.all[p.Text] = id
		}
		if _, sp := specials[p.Text]; sp {
			if specials[p.Text] < 0 {
				specials[p.Text] = id
			}
			continue
		}
		if p.Type != PieceNormal && p.Type != PieceUserDefined || p.Text == "" {
			continue
		}
		if _, dup := t.match[p.Text]; !dup {
			t.match[p.Text] = id
		}
		t.maxLen = max(t.maxLen, len(p.Text))
		if p.Type == PieceNormal {
			if !haveMin || p.Score < minScore {
				minScore = p.Score
			}
			if !haveMin || p.Score > t.maxScore {
				t.maxScore = p.Score
			}
			haveMin = true
		}
	}
	for s, id := range specials {
		if id < 0 {
			return nil, fmt.Errorf("tokenizer: special token %q not in vocabulary", s)
		}
	}
	t.unkScore = minScore - unkPenalty
	t.specials = newSpecialSet(specials)
	for _, s := range opt.Append {
		id, ok := t.all[s]
		if !ok {
			return nil, fmt.Errorf("tokenizer: token %q not in vocabulary", s)
		}
		t.suffix = append(t.suffix, id)
	}
	return t, nil
}

// Encode tokenizes text and appends the configured suffix (T5: </s>).
func (t *Unigram) Encode(text string) []int {
	var ids []int
	for _, seg := range t.specials.split(text) {
		if seg.special {
			ids = append(ids, seg.id)
			continue
		}
		ids = t.viterbi(t.norm.normalize(seg.text), ids)
	}
	return append(ids, t.suffix...)
}

// Tokenize returns the pieces Encode would produce, without the suffix.
func (t *Unigram) Tokenize(text string) []string {
	ids := t.Encode(text)
	out := make([]string, 0, len(ids))
	for _, id := range ids[:len(ids)-len(t.suffix)] {
		out = append(out, t.pieces[id].Text)
	}
	return out
}

// Normalize returns the text as the segmentation sees it ("▁" for spaces).
func (t *Unigram) Normalize(text string) string { return t.norm.normalize(text) }

// viterbi appends the best segmentation of the normalized text s. As in
// SentencePiece, a character no piece starts with becomes <unk> (scored
// below every piece), a run of unknowns is one <unk>, and on equal scores
// the path found first (shorter piece at a later end) is kept.
func (t *Unigram) viterbi(s string, ids []int) []int {
	if s == "" {
		return ids
	}
	type node struct {
		id    int
		start int
		score float32
		set   bool
	}
	best := make([]node, len(s)+1)
	best[0].set = true
	for start := 0; start < len(s); {
		if !best[start].set {
			_, size := utf8.DecodeRuneInString(s[start:])
			start += size
			continue
		}
		base := best[start].score
		_, charLen := utf8.DecodeRuneInString(s[start:])
		single := false
		for end := start + 1; end <= len(s) && end-start <= t.maxLen; end++ {
			if end < len(s) && !utf8.RuneStart(s[end]) {
				continue
			}
			id, ok := t.match[s[start:end]]
			if !ok {
				continue
			}
			if end-start == charLen {
				single = true
			}
			sc := base + t.pieces[id].Score
			if t.pieces[id].Type == PieceUserDefined {
				// as SentencePiece: preferred over any normal split
				sc = base + float32(utf8.RuneCountInString(s[start:end]))*t.maxScore - 0.1
			}
			if n := &best[end]; !n.set || sc > n.score {
				*n = node{id: id, start: start, score: sc, set: true}
			}
		}
		if !single {
			end := start + charLen
			sc := base + t.unkScore
			if n := &best[end]; !n.set || sc > n.score {
				*n = node{id: t.unk, start: start, score: sc, set: true}
			}
		}
		start += charLen
	}
	var rev []int
	for end := len(s); end > 0; end = best[end].start {
		id := best[end].id
		if id == t.unk && len(rev) > 0 && rev[len(rev)-1] == t.unk {
			continue // merge a run of unknown characters
		}
		rev = append(rev, id)
	}
	for i := len(rev) - 1; i >= 0; i-- {
		ids = append(ids, rev[i])
	}
	return ids
}

// Decode joins the pieces of ids, turning "▁" back into spaces and
// dropping the space the encoder prepended. Special tokens (pad, </s>,
// <unk>, sentinels, and other control pieces) are written as their text
// unless skipSpecial; ids outside the vocabulary are skipped.
func (t *Unigram) Decode(ids []int, skipSpecial bool) string {
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(t.pieces) {
			continue
		}
		p := t.pieces[id]
		special := t.specials.has(p.Text) || p.Type == PieceControl || p.Type == PieceUnknown || id == t.unk
		if special {
			if !skipSpecial {
				b.WriteString(p.Text)
			}
			continue
		}
		b.WriteString(strings.ReplaceAll(p.Text, spaceSymbol, " "))
	}
	out := b.String()
	if t.norm.spec.AddDummyPrefix {
		out = strings.TrimPrefix(out, " ")
	}
	return out
}

// ID returns a token's id.
func (t *Unigram) ID(token string) (int, bool) { id, ok := t.all[token]; return id, ok }

// Piece returns the text of id ("" when out of range).
func (t *Unigram) Piece(id int) string {
	if id < 0 || id >= len(t.pieces) {
		return ""
	}
	return t.pieces[id].Text
}

// VocabSize is the number of ids (pieces plus extra tokens).
func (t *Unigram) VocabSize() int { return len(t.pieces) }
