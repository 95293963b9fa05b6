package trainer

import (
	"math/rand/v2"

	"blip2/model/train"
)

// packOpen is how many part-filled sequences PackLines keeps open: a line
// goes into the first with room for it, and when none has room the oldest
// is closed. Sixteen fill 97 % of the places of 32-token sequences with
// the corpus's lines, where closing each sequence at the first line that
// does not fit fills 79 %.
const packOpen = 16

// PackLines lays corpus lines end to end in sequences of at most n tokens,
// "</s> a </s> b </s> …": each line keeps its BOS (the </s> that ends the
// line before it) and its end-of-sequence token, as an unpacked line has
// them, and a line is never split (one longer than n is cut, as an
// unpacked line is). The corpus's lines are short (14 tokens in the mean,
// 43 % of the default's 32 places), so one line a sequence spends most of
// each step on padding. The lines are taken in an order drawn from seed,
// so a sequence's neighbours are unrelated lines and the packing is the
// same on resume.
func PackLines(encode func(string) []int, lines []string, n int, seed uint64) [][]int {
	order := rand.New(rand.NewPCG(seed, 0x7061636b)).Perm(len(lines))
	var out, open [][]int
	for _, i := range order {
		seq := append(encode(lines[i]), train.OPTEOS) // </s> text </s>
		placed := false
		for j, s := range open {
			if len(s)+len(seq)-1 <= n {
				open[j] = append(s, seq[1:]...) // the previous line's </s> is this one's BOS
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		if len(open) == packOpen {
			out, open = append(out, open[0]), open[1:]
		}
		open = append(open, seq[:min(len(seq), n)])
	}
	return append(out, open...)
}
