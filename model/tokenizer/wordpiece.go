package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// WordPiece is the BERT uncased tokenizer used by the Q-Former.
type WordPiece struct {
	vocab           map[string]int
	tokens          []string
	specials        *specialSet
	Lowercase       bool // lower-case and strip accents (uncased models)
	MaxCharsPerWord int  // longer words become [UNK]
	CLS, SEP, PAD   int
	UNK             int
}

// bertSpecials are kept whole when they appear in the input text.
var bertSpecials = []string{"[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"}

// NewWordPiece builds an uncased tokenizer from vocab.txt lines.
func NewWordPiece(vocab []string) (*WordPiece, error) {
	t := &WordPiece{vocab: make(map[string]int, len(vocab)), tokens: vocab, Lowercase: true, MaxCharsPerWord: 100}
	for id, tok := range vocab {
		if _, dup := t.vocab[tok]; !dup { // HF keeps the first on duplicates
			t.vocab[tok] = id
		}
	}
	ids := map[string]int{}
	for _, s := range bertSpecials {
		id, ok := t.vocab[s]
		if !ok {
			return nil, fmt.Errorf("tokenizer: vocabulary lacks %s", s)
		}
		ids[s] = id
	}
	t.specials = newSpecialSet(ids)
	t.CLS, t.SEP, t.PAD, t.UNK = ids["[CLS]"], ids["[SEP]"], ids["[PAD]"], ids["[UNK]"]
	return t, nil
}

// NewQFormerTokenizer is bert-base-uncased plus the "[DEC]" token BLIP-2
// adds as bos_token (id 30522 with the standard vocabulary), used to start
// Q-Former caption decoding. Normal encodings still start with [CLS].
func NewQFormerTokenizer(vocab []string) (*WordPiece, error) {
	t, err := NewWordPiece(vocab)
	if err != nil {
		return nil, err
	}
	t.AddSpecial("[DEC]")
	return t, nil
}

// AddSpecial appends a special token (if new) and returns its id.
func (t *WordPiece) AddSpecial(tok string) int {
	id, ok := t.vocab[tok]
	if !ok {
		id = len(t.tokens)
		t.tokens = append(t.tokens, tok)
		t.vocab[tok] = id
	}
	t.specials.ids[tok] = id
	t.specials = newSpecialSet(t.specials.ids)
	return id
}

// ID returns a token's id.
func (t *WordPiece) ID(tok string) (int, bool) { id, ok := t.vocab[tok]; return id, ok }

// VocabSize counts the vocabulary including added tokens.
func (t *WordPiece) VocabSize() int { return len(t.tokens) }

// Tokenize returns the word pieces of text, without [CLS]/[SEP].
func (t *WordPiece) Tokenize(text string) []string {
	var out []string
	for _, seg := range t.specials.split(text) {
		if seg.special {
			out = append(out, seg.text)
			continue
		}
		for _, word := range basicTokenize(seg.text, t.Lowercase) {
			out = append(out, t.wordPieces(word)...)
		}
	}
	return out
}

// wordPieces splits one word greedily, longest match first; continuation
// pieces carry "##". A word with any unmatched remainder is one [UNK].
func (t *WordPiece) wordPieces(word string) []string {
	if utf8.RuneCountInString(word) > t.MaxCharsPerWord {
		return []string{t.tokens[t.UNK]}
	}
	var pieces []string
	for start := 0; start < len(word); {
		end, found := len(word), ""
		for end > start {
			sub := word[start:end]
			if start > 0 {
				sub = "##" + sub
			}
			if _, ok := t.vocab[sub]; ok {
				found = sub
				break
			}
			_, size := utf8.DecodeLastRuneInString(word[start:end])
			end -= size
		}
		if found == "" {
			return []string{t.tokens[t.UNK]}
		}
		pieces = append(pieces, found)
		start = end
	}
	return pieces
}

// Encode returns [CLS] pieces [SEP] as ids.
func (t *WordPiece) Encode(text string) []int {
	ids := []int{t.CLS}
	for _, p := range t.Tokenize(text) {
		ids = append(ids, t.vocab[p])
	}
	return append(ids, t.SEP)
}

// EncodePadded encodes, truncates from the right to maxLen (keeping the
// final [SEP]) and pads with [PAD], returning ids and the attention mask,
// like tokenizer(text, padding="max_length", truncation=True).
func (t *WordPiece) EncodePadded(text string, maxLen int) (ids, mask []int) {
	ids = t.Encode(text)
	if maxLen >= 2 && len(ids) > maxLen {
		ids = append(ids[:maxLen-1], t.SEP)
	}
	mask = make([]int, len(ids), max(maxLen, len(ids)))
	for i := range mask {
		mask[i] = 1
	}
	for len(ids) < maxLen {
		ids = append(ids, t.PAD)
		mask = append(mask, 0)
	}
	return ids, mask
}

// Decode joins pieces back into text, gluing "##" continuations to the
// previous piece, as HF's convert_tokens_to_string does.
func (t *WordPiece) Decode(ids []int, skipSpecial bool) string {
	var sb strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(t.tokens) {
			continue
		}
		tok := t.tokens[id]
		if skipSpecial && t.specials.has(tok) {
			continue
		}
		if rest, ok := strings.CutPrefix(tok, "##"); ok && sb.Len() > 0 {
			sb.WriteString(rest)
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(tok)
	}
	return sb.String()
}
