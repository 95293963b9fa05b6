package trainer

import (
	"fmt"
	"math"
	"strings"

	"blip2/model/tokenizer"
	"blip2/model/train"
)

// A keyword line teaches the frozen language model what stage 2 asks of
// it: to read what stands before its BOS. Stage 2 lays a caption out as
// [num_query_tokens visual-prompt vectors] </s> caption </s>; a keyword
// line is the same with the prompt's places filled by words: a train
// pair's label and tags, each after a space so that they are spelt with
// the very tokens the sentence uses (" lobster" in "an emoji of a
// lobster"; the byte-level BPE spells a line's first word without one),
// repeated to fill the places, then </s>, the pair's sentence and </s>.
// Only the sentence and its </s> are learnt: the keywords are context.
// The corpus's plain lines never repeat a word, so without such lines
// nothing rewards looking back, and a visual prompt then reaches the
// language model as noise (docs/training.md, "Does the image reach the
// language model?").
type keywordLine struct {
	keywords, sentence string
}

// keywordLines are the train pairs' keyword lines. Pairs without label,
// sentence and tagged label give none, nor do pairs with a caption in
// eval (the val and test captions, which the corpus leaves out too: the
// same label can name icons of several splits).
func keywordLines(pairs []Pair, eval map[string]bool) []keywordLine {
	var out []keywordLine
pairs:
	for _, p := range pairs {
		if len(p.Captions) < 3 {
			continue
		}
		for _, c := range p.Captions {
			if eval[strings.Join(strings.Fields(c), " ")] {
				continue pairs
			}
		}
		out = append(out, keywordLine{keywords: " " + p.Captions[2], sentence: p.Captions[1]})
	}
	return out
}

// keywordSequence lays out one keyword line for prefix places, cut to n
// tokens and padded: ids, mask and labels (−100 on the keywords, the BOS
// and the padding).
func keywordSequence(tok *tokenizer.BPE, l keywordLine, prefix, n int) (ids, mask, labels []int) {
	words := tok.Encode(l.keywords)[1:]
	again := tok.Encode(", " + strings.TrimSpace(l.keywords))[1:] // the repeats run on after a comma
	var seq []int
	for len(words) > 0 && len(seq) < prefix {
		seq = append(seq, words[:min(len(words), prefix-len(seq))]...)
		words = again
	}
	for len(seq) < prefix { // keywords that encode to no token: <pad> holds the places
		seq = append(seq, train.OPTPad)
	}
	seq = append(seq, tok.Encode(l.sentence)...) // the sentence's own BOS stands where stage 2's does
	ids, mask = train.Padded(append(seq, train.OPTEOS), n)
	return ids, mask, train.LabelsFrom(ids, mask, prefix+1)
}

// keywordRepeats is how many times each keyword line is in an epoch, for
// the share of lines -keyword-lines asks of corpus lines beside them.
func keywordRepeats(o Options, corpus, lines int) int {
	if o.KeywordLines <= 0 || lines == 0 {
		return 0
	}
	return max(1, int(math.Round(o.KeywordLines/(1-o.KeywordLines)*float64(corpus)/float64(lines))))
}

// keywordData is a stage0-lm run's keyword lines, each once (repeated
// for the asked share by keywordEpoch), and the val split's (never
// trained on) for the probe.
func keywordData(o Options) (train, probe []keywordLine, err error) {
	if o.KeywordLines <= 0 {
		return nil, nil, nil
	}
	evalText, err := evalCaptions(o.Data)
	if err != nil {
		return nil, nil, err
	}
	pairs, err := LoadPairs(o.Data, "train")
	if err != nil {
		return nil, nil, err
	}
	lines := keywordLines(pairs, evalText)
	if len(lines) == 0 {
		return nil, nil, fmt.Errorf("trainer: -keyword-lines: no train pair of %s has a label, a sentence and tags outside val and test", o.Data)
	}
	train = lines
	if val, err := LoadPairs(o.Data, "val"); err == nil {
		probe = keywordLines(val, nil)
		probe = probe[:min(len(probe), 256)]
	}
	return train, probe, nil
}

// keywordEpoch is the keyword lines of an epoch beside corpus plain
// sequences: each line repeated for the share -keyword-lines asks.
func keywordEpoch(o Options, lines []keywordLine, corpus int) []keywordLine {
	var epoch []keywordLine
	for range keywordRepeats(o, corpus, len(lines)) {
		epoch = append(epoch, lines...)
	}
	return epoch
}

// KeywordProbe is how much a language model reads before its BOS: the
// loss per token of held-out sentences after their own pair's keywords,
// and after another pair's.
type KeywordProbe struct {
	Own   float64 `json:"own"`
	Other float64 `json:"other"`
	Lines int     `json:"lines"`
}

func keywordProbe(s *train.GPUStepper, tok *tokenizer.BPE, lines []keywordLine, prefix, n, batch int) (KeywordProbe, error) {
	kp := KeywordProbe{Lines: len(lines)}
	for k, dst := range []*float64{&kp.Own, &kp.Other} {
		var err error
		*dst, err = meanLoss(s, len(lines), batch, func(start, end int) *train.Batch {
			b := &train.Batch{}
			for i := start; i < end; i++ {
				l := lines[i]
				l.keywords = lines[(i+k)%len(lines)].keywords // k = 1: the next pair's
				ids, mask, labels := keywordSequence(tok, l, prefix, n)
				b.LMIDs, b.LMMask, b.LMLabels = append(b.LMIDs, ids), append(b.LMMask, mask), append(b.LMLabels, labels)
			}
			return b
		})
		if err != nil {
			return kp, err
		}
	}
	return kp, nil
}
