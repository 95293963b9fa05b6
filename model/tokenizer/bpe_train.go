package tokenizer

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"sort"
)

// OPTSpecials are the facebook/opt special tokens at their ids 0–3.
var OPTSpecials = []string{"<s>", "<pad>", "</s>", "<unk>"}

// TrainBPE learns a GPT-2 style byte-level BPE from texts: the same
// pre-tokenization the tokenizer applies, then the most frequent adjacent
// pair merged, again and again, until the vocabulary has size entries
// (specials first at ids 0…, then the 256 byte symbols in byte order, then
// one token per merge) or no pair occurs twice. Ties go to the pair whose
// symbols sort first, so the result depends on the texts alone.
func TrainBPE(texts []string, size int, specials []string) (map[string]int, [][2]string, error) {
	if size < len(specials)+256 {
		return nil, nil, fmt.Errorf("tokenizer: a byte-level vocabulary needs at least %d entries, not %d", len(specials)+256, size)
	}
	vocab := map[string]int{}
	var syms []string // id → symbol
	add := func(s string) int {
		if id, ok := vocab[s]; ok {
			return id
		}
		vocab[s] = len(syms)
		syms = append(syms, s)
		return len(syms) - 1
	}
	for _, s := range specials {
		add(s)
	}
	for b := 0; b < 256; b++ {
		add(string(byteToRune[b]))
	}
	freq := map[string]int{}
	for _, t := range texts {
		for _, piece := range splitGPT2(t) {
			freq[piece]++
		}
	}
	tr := &bpeTrainer{syms: &syms, counts: map[[2]int]int{}, where: map[[2]int][]int{}}
	for piece, f := range freq {
		w := make([]int, 0, len(piece))
		for i := 0; i < len(piece); i++ {
			w = append(w, vocab[string(byteToRune[piece[i]])])
		}
		tr.words = append(tr.words, bpeWord{w, f})
	}
	// Word order must not matter: sort by the piece's symbols.
	tr.sortWords()
	for i := range tr.words {
		tr.count(i, +1)
	}
	var merges [][2]string
	for len(syms) < size {
		p, ok := tr.best()
		if !ok {
			break
		}
		merged := syms[p[0]] + syms[p[1]]
		if _, dup := vocab[merged]; dup { // two spellings of one token: keep the first
			tr.counts[p] = 0
			continue
		}
		id := add(merged)
		merges = append(merges, [2]string{syms[p[0]], syms[p[1]]})
		tr.merge(p, id)
	}
	return vocab, merges, nil
}

type bpeWord struct {
	syms []int
	freq int
}

type bpeTrainer struct {
	syms   *[]string
	words  []bpeWord
	counts map[[2]int]int
	where  map[[2]int][]int // words that held the pair (stale entries are skipped)
	queue  pairHeap
}

func (t *bpeTrainer) sortWords() {
	key := func(w bpeWord) string {
		s := ""
		for _, id := range w.syms {
			s += (*t.syms)[id]
		}
		return s
	}
	keys := make([]string, len(t.words))
	for i, w := range t.words {
		keys[i] = key(w)
	}
	idx := make([]int, len(t.words))
	for i := range idx {
		idx[i] = i
	}
	sortStrings(idx, keys)
	out := make([]bpeWord, len(t.words))
	for i, j := range idx {
		out[i] = t.words[j]
	}
	t.words = out
}

// count adds (sign +1) or removes (−1) word i's pairs.
func (t *bpeTrainer) count(i, sign int) {
	w := t.words[i]
	for k := 0; k+1 < len(w.syms); k++ {
		p := [2]int{w.syms[k], w.syms[k+1]}
		t.counts[p] += sign * w.freq
		if sign > 0 {
			t.where[p] = append(t.where[p], i)
		}
		heap.Push(&t.queue, pairCount{p, t.counts[p], (*t.syms)[p[0]], (*t.syms)[p[1]]})
	}
}

// best pops the most frequent pair still current, if it occurs twice.
func (t *bpeTrainer) best() ([2]int, bool) {
	for t.queue.Len() > 0 {
		top := heap.Pop(&t.queue).(pairCount)
		if t.counts[top.p] != top.n {
			continue // stale
		}
		return top.p, top.n >= 2
	}
	return [2]int{}, false
}

// merge replaces p by id in every word that holds it.
func (t *bpeTrainer) merge(p [2]int, id int) {
	seen := map[int]bool{}
	for _, i := range t.where[p] {
		if seen[i] {
			continue
		}
		seen[i] = true
		w := t.words[i].syms
		has := false
		for k := 0; k+1 < len(w); k++ {
			if w[k] == p[0] && w[k+1] == p[1] {
				has = true
				break
			}
		}
		if !has {
			continue
		}
		t.count(i, -1)
		out := make([]int, 0, len(w))
		for k := 0; k < len(w); k++ {
			if k+1 < len(w) && w[k] == p[0] && w[k+1] == p[1] {
				out = append(out, id)
				k++
				continue
			}
			out = append(out, w[k])
		}
		t.words[i].syms = out
		t.count(i, +1)
	}
	delete(t.where, p)
}

type pairCount struct {
	p    [2]int
	n    int
	a, b string
}

// pairHeap pops the highest count first, ties by the symbols' order.
type pairHeap []pairCount

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].n != h[j].n {
		return h[i].n > h[j].n
	}
	if h[i].a != h[j].a {
		return h[i].a < h[j].a
	}
	return h[i].b < h[j].b
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pairCount)) }
func (h *pairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// BPETokenizerJSON is a tokenizers-library tokenizer.json for a byte-level
// BPE with the given specials as added tokens, as Hugging Face's GPT-2 and
// OPT tokenizers are saved.
func BPETokenizerJSON(vocab map[string]int, merges [][2]string, specials []string) ([]byte, error) {
	type added struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	var at []added
	for _, s := range specials {
		id, ok := vocab[s]
		if !ok {
			return nil, fmt.Errorf("tokenizer: special %q is not in the vocabulary", s)
		}
		at = append(at, added{ID: id, Content: s, Normalized: true, Special: true})
	}
	lines := make([]string, len(merges))
	for i, m := range merges {
		lines[i] = m[0] + " " + m[1]
	}
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
	return json.MarshalIndent(map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": at, "normalizer": nil,
		"pre_tokenizer": byteLevel, "post_processor": byteLevel, "decoder": byteLevel,
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": "",
			"end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "vocab": vocab, "merges": lines},
	}, "", " ")
}

// sortStrings orders idx by keys[idx[i]].
func sortStrings(idx []int, keys []string) {
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
}
