package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// BPE is a GPT-2 style byte-level BPE tokenizer (GPT-2, OPT, RoBERTa).
type BPE struct {
	vocab    map[string]int
	tokens   map[int]string
	ranks    map[string]int // "left right" -> merge priority (lower first)
	specials *specialSet
	bos      int        // prepended by Encode when >= 0
	unk      int        // used for a piece missing from the vocab when >= 0
	mu       sync.Mutex // guards cache: Encode may run on several goroutines
	cache    map[string][]int
}

// BPEOptions configures special tokens. Specials are matched verbatim in
// the input before pre-tokenization (as HF does for added tokens) and must
// be in the vocabulary; BOS, if set, is prepended to every encoding.
type BPEOptions struct {
	Specials []string
	BOS      string
	Unknown  string
}

// GPT2Options are the settings of the gpt2 tokenizer.
func GPT2Options() BPEOptions { return BPEOptions{Specials: []string{"<|endoftext|>"}} }

// OPTOptions are the settings of the facebook/opt tokenizers: "</s>"
// (id 2) is prepended as BOS, which BLIP-2 relies on.
func OPTOptions() BPEOptions {
	return BPEOptions{Specials: []string{"<s>", "<pad>", "</s>", "<unk>"}, BOS: "</s>", Unknown: "<unk>"}
}

// NewBPE builds a tokenizer from a vocabulary and the ordered merge list.
func NewBPE(vocab map[string]int, merges [][2]string, opt BPEOptions) (*BPE, error) {
	t := &BPE{vocab: vocab, tokens: make(map[int]string, len(vocab)), ranks: make(map[string]int, len(merges)),
		bos: -1, unk: -1, cache: map[string][]int{}}
	for tok, id := range vocab {
		if prev, dup := t.tokens[id]; dup {
			return nil, fmt.Errorf("tokenizer: id %d used by both %q and %q", id, prev, tok)
		}
		t.tokens[id] = tok
	}
	for i, m := range merges {
		key := m[0] + " " + m[1]
		if _, dup := t.ranks[key]; !dup {
			t.ranks[key] = i
		}
	}
	ids := map[string]int{}
	for _, s := range opt.Specials {
		id, ok := vocab[s]
		if !ok {
			return nil, fmt.Errorf("tokenizer: special token %q not in vocabulary", s)
		}
		ids[s] = id
	}
	t.specials = newSpecialSet(ids)
	for _, named := range []struct {
		tok string
		dst *int
	}{{opt.BOS, &t.bos}, {opt.Unknown, &t.unk}} {
		if named.tok == "" {
			continue
		}
		id, ok := vocab[named.tok]
		if !ok {
			return nil, fmt.Errorf("tokenizer: token %q not in vocabulary", named.tok)
		}
		*named.dst = id
	}
	return t, nil
}

// Encode tokenizes text, prepending BOS if configured.
func (t *BPE) Encode(text string) []int {
	var ids []int
	if t.bos >= 0 {
		ids = append(ids, t.bos)
	}
	for _, seg := range t.specials.split(text) {
		if seg.special {
			ids = append(ids, seg.id)
			continue
		}
		for _, piece := range splitGPT2(seg.text) {
			ids = append(ids, t.encodePiece(piece)...)
		}
	}
	return ids
}

func (t *BPE) encodePiece(piece string) []int {
	t.mu.Lock()
	ids, ok := t.cache[piece]
	t.mu.Unlock()
	if ok {
		return ids
	}
	for _, sym := range t.merge(bytesToSymbols(piece)) {
		if id, ok := t.vocab[sym]; ok {
			ids = append(ids, id)
		} else if t.unk >= 0 {
			ids = append(ids, t.unk)
		}
	}
	t.mu.Lock()
	if len(t.cache) < 100000 { // bound memory on adversarial input
		t.cache[piece] = ids
	}
	t.mu.Unlock()
	return ids
}

// merge applies merges by rank: repeatedly join every occurrence of the
// adjacent pair whose merge came earliest in merges.txt.
func (t *BPE) merge(word []string) []string {
	for len(word) > 1 {
		best, bestRank := "", -1
		for i := 0; i+1 < len(word); i++ {
			key := word[i] + " " + word[i+1]
			if r, ok := t.ranks[key]; ok && (bestRank < 0 || r < bestRank) {
				best, bestRank = key, r
			}
		}
		if bestRank < 0 {
			break
		}
		left, right, _ := strings.Cut(best, " ")
		merged := word[:0:0]
		for i := 0; i < len(word); i++ {
			if i+1 < len(word) && word[i] == left && word[i+1] == right {
				merged = append(merged, left+right)
				i++
			} else {
				merged = append(merged, word[i])
			}
		}
		word = merged
	}
	return word
}

// Decode turns ids back into text. Special tokens are kept as their text
// unless skipSpecial; invalid UTF-8 (a split multi-byte character) becomes
// U+FFFD as in HF's errors="replace". Unknown ids are skipped.
func (t *BPE) Decode(ids []int, skipSpecial bool) string {
	var buf []byte
	for _, id := range ids {
		tok, ok := t.tokens[id]
		if !ok {
			continue
		}
		if t.specials.has(tok) {
			if !skipSpecial {
				buf = append(buf, tok...)
			}
			continue
		}
		buf = symbolsToBytes(tok, buf)
	}
	if utf8.Valid(buf) {
		return string(buf)
	}
	return strings.ToValidUTF8(string(buf), "\uFFFD")
}

// ID returns a token's id.
func (t *BPE) ID(token string) (int, bool) { id, ok := t.vocab[token]; return id, ok }

// VocabSize is the number of entries (largest id + 1 for dense vocabularies).
func (t *BPE) VocabSize() int { return len(t.vocab) }
