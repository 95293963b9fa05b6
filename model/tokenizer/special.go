// Package tokenizer implements the text tokenizers BLIP-2 needs: BERT
// WordPiece (uncased) for the Q-Former, GPT-2 byte-level BPE for OPT and
// SentencePiece Unigram for Flan-T5. All read the files a Hugging Face
// checkpoint folder ships.
package tokenizer

import (
	"sort"
	"strings"
)

// specialSet finds special tokens ("[CLS]", "</s>", ...) in raw text so
// they map to their own ids instead of being split into pieces.
type specialSet struct {
	ids   map[string]int
	byLen []string // longest first, so "<|endoftext|>" beats a prefix
}

func newSpecialSet(ids map[string]int) *specialSet {
	s := &specialSet{ids: ids}
	for tok := range ids {
		s.byLen = append(s.byLen, tok)
	}
	sort.Slice(s.byLen, func(i, j int) bool {
		if len(s.byLen[i]) != len(s.byLen[j]) {
			return len(s.byLen[i]) > len(s.byLen[j])
		}
		return s.byLen[i] < s.byLen[j]
	})
	return s
}

func (s *specialSet) has(tok string) bool { _, ok := s.ids[tok]; return ok }

type segment struct {
	text    string
	special bool
	id      int
}

// split cuts text at the leftmost special token (longest on ties).
func (s *specialSet) split(text string) []segment {
	var out []segment
	for text != "" {
		at, tok := -1, ""
		for _, cand := range s.byLen {
			if i := strings.Index(text, cand); i >= 0 && (at < 0 || i < at) {
				at, tok = i, cand
			}
		}
		if at < 0 {
			out = append(out, segment{text: text})
			break
		}
		if at > 0 {
			out = append(out, segment{text: text[:at]})
		}
		out = append(out, segment{text: tok, special: true, id: s.ids[tok]})
		text = text[at+len(tok):]
	}
	return out
}
