package trainer

import "blip2/model/train"

// packOpen is how many part-filled sequences PackLines keeps open: a line
// goes into the first with room for it, and when none has room the oldest
// is closed. Two keep the corpus's neighbouring lines together and fill
// 93 % of the places of 64-token sequences; one (close a sequence at the
// first line that does not fit) fills 86 %, and more mix lines from
// further apart for little more (four 96 %, eight 97 %).
const packOpen = 2

// PackLines lays corpus lines end to end in sequences of at most n tokens,
// "</s> a </s> b </s> …", in the corpus's order: each line keeps its BOS
// (the </s> that ends the line before it) and its end-of-sequence token,
// as an unpacked line has them, and a line is never split (one longer
// than n is cut, as an unpacked line is).
//
// One line a sequence spends most of each step on padding: the corpus's
// lines are 14 tokens in the mean. The order is kept because neighbouring
// lines of the corpus belong together (a pair's label, its sentence, its
// label with tags and its tags; the glosses and examples of one WordNet
// synset), so a line often follows lines that name what it says. That is
// what stage 2 asks of the language model: to take a caption's subject
// from what stands before its BOS.
func PackLines(encode func(string) []int, lines []string, n int) [][]int {
	var out, open [][]int
	for _, l := range lines {
		seq := append(encode(l), train.OPTEOS) // </s> text </s>
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
