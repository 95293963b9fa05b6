package tokenizer

import (
	"fmt"
	"sort"
	"strings"
)

// WordPieceSpecials are the special tokens a built vocabulary starts with;
// "[DEC]", BLIP-2's decoding start, is its last token.
var WordPieceSpecials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

// BuildWordPieceVocab makes an uncased WordPiece vocabulary of exactly size
// tokens from texts: the specials, every character seen (whole and as a
// "##" continuation, so no word becomes [UNK]), then whole words and
// word pieces by frequency, "[unusedN]" fillers when the texts have fewer
// distinct pieces than room, and "[DEC]" last. Words take up to three
// quarters of the free room; the rest goes to the prefixes and "##"
// suffixes most used by the words left out, so rare words split into a
// few pieces rather than into letters. Ties break alphabetically, so the
// result depends on the texts alone.
func BuildWordPieceVocab(texts []string, size int) ([]string, error) {
	words := map[string]int{}
	for _, t := range texts {
		for _, w := range basicTokenize(t, true) {
			words[w]++
		}
	}
	vocab := append([]string{}, WordPieceSpecials...)
	seen := map[string]bool{}
	add := func(tok string) {
		if !seen[tok] {
			seen[tok] = true
			vocab = append(vocab, tok)
		}
	}
	for _, s := range vocab {
		seen[s] = true
	}
	chars := map[string]int{}
	for w, n := range words {
		for i, r := range w {
			c := string(r)
			if i > 0 {
				c = "##" + c
			}
			chars[c] += n
		}
	}
	for _, c := range byCount(chars) {
		add(c)
	}
	if len(vocab)+1 > size {
		return nil, fmt.Errorf("tokenizer: a vocabulary of %d cannot hold the %d specials and characters of the texts", size, len(vocab)+1)
	}
	free := size - 1 - len(vocab)
	ranked := byCount(words)
	nWords := min(len(ranked), free*3/4)
	for _, w := range ranked[:nWords] {
		add(w)
	}
	pieces := map[string]int{}
	for _, w := range ranked[nWords:] {
		r := []rune(w)
		for k := 2; k <= min(len(r)-1, 8); k++ {
			pieces[string(r[:k])] += words[w]
			pieces["##"+string(r[len(r)-k:])] += words[w]
		}
	}
	for _, p := range byCount(pieces) {
		if len(vocab) >= size-1 {
			break
		}
		add(p)
	}
	for _, w := range ranked[nWords:] { // room left: the remaining words
		if len(vocab) >= size-1 {
			break
		}
		add(w)
	}
	for i := 0; len(vocab) < size-1; i++ { // BERT's way of reserving room
		add(fmt.Sprintf("[unused%d]", i))
	}
	return append(vocab, "[DEC]"), nil
}

// byCount lists a histogram's keys, most frequent first, ties by name.
func byCount(h map[string]int) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if h[keys[i]] != h[keys[j]] {
			return h[keys[i]] > h[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// VocabTxt is a vocabulary in vocab.txt form, one token a line.
func VocabTxt(vocab []string) string { return strings.Join(vocab, "\n") + "\n" }
