package trainer

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"blip2/model/train"
)

// TestPackLines: every line is in exactly one sequence, whole (or cut only
// when longer than a sequence), between </s> tokens, and a sequence's
// lines are in the corpus's order; no sequence is longer than n, and no
// line that would have fitted was pushed on.
func TestPackLines(t *testing.T) {
	vocab := map[string]int{}
	encode := func(s string) []int { // BOS, then one id a word
		ids := []int{train.OPTEOS}
		for _, w := range strings.Fields(s) {
			if _, ok := vocab[w]; !ok {
				vocab[w] = 10 + len(vocab)
			}
			ids = append(ids, vocab[w])
		}
		return ids
	}
	var lines []string
	for i := range 200 {
		words := make([]string, 1+(i*7)%11)
		for j := range words {
			words[j] = fmt.Sprintf("w%d_%d", i, j) // every line's words are its own
		}
		lines = append(lines, strings.Join(words, " "))
	}
	lines = append(lines, strings.Repeat("long ", 40)) // longer than a sequence
	index := map[string]int{}                          // a line's tokens → its place in the corpus
	for i, l := range lines {
		ids := encode(l)[1:]
		index[fmt.Sprint(ids[:min(len(ids), 15)])] = i
	}
	const n = 16
	seqs := PackLines(encode, lines, n)
	seen := map[int]int{}
	used := 0
	for k, s := range seqs {
		if len(s) > n || len(s) < 2 || s[0] != train.OPTEOS {
			t.Fatalf("sequence %d: %v", k, s)
		}
		used += len(s)
		if s[len(s)-1] != train.OPTEOS && len(s) != n {
			t.Errorf("sequence %d ends inside a line without being full: %v", k, s)
		}
		start, prev := 1, -1
		for i := 1; i <= len(s); i++ {
			if i == len(s) && start == i {
				break // the sequence ends with a line's </s>
			}
			if i == len(s) || s[i] == train.OPTEOS {
				line, ok := index[fmt.Sprint(s[start:i])]
				if !ok || line <= prev {
					t.Errorf("sequence %d: %v is not the next line of the corpus after line %d", k, s[start:i], prev)
				}
				seen[line]++
				start, prev = i+1, line
			}
		}
		if k+1 < len(seqs) {
			next := seqs[k+1]
			firstLen := slices.Index(next[1:], train.OPTEOS) + 1 // the next one's first line and its </s>
			if firstLen > 0 && len(s)+firstLen <= n {
				t.Errorf("sequence %d (%d tokens) had room for the next one's first line (%d)", k, len(s), firstLen)
			}
		}
	}
	for i, l := range lines {
		if seen[i] != 1 {
			t.Errorf("line %.30q is in %d sequences", l, seen[i])
		}
	}
	fill := float64(used) / float64(len(seqs)*n)
	t.Logf("%d lines in %d sequences, %.0f%% full", len(lines), len(seqs), 100*fill)
	if fill < 0.85 { // one line a sequence fills 45 %, closing at the first misfit 77 %
		t.Errorf("sequences are only %.0f%% full", 100*fill)
	}
}
