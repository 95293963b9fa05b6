package eval

import (
	"fmt"
	"io"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// PromptReport says how much of an image reaches the language model: the
// mean loss per caption token (nats) of n pairs' captions after no visual
// prompt, after another image's (the mean over the others) and after
// their own, and generative retrieval, each image's caption ranked among
// the n captions by that loss (and each caption's image among the n).
type PromptReport struct {
	Pairs     int     `json:"pairs"`
	None      float64 `json:"loss_no_prompt"`
	Other     float64 `json:"loss_other_image"`
	Own       float64 `json:"loss_own_image"`
	Retrieval Both    `json:"generative_retrieval"`
}

// tokenLoss is a sum of −log p over a row's labelled tokens and their count.
type tokenLoss struct {
	sum float64
	n   int
}

func (l tokenLoss) mean() float64 { return l.sum / float64(max(l.n, 1)) }

// PromptProbe scores n pairs: image i's pixels, caption i's language-model
// ids, mask and labels (−100 where not a target: BOS, padding), laid out
// as stage 2 trains them (train.CaptionTarget).
// Progress goes to progress (nil: none).
func PromptProbe(b nn.Backend, m *blip2.Model, n int, pixels func(i int) ([]float32, error), ids, mask, labels [][]int, progress io.Writer) (*PromptReport, error) {
	loss, none, err := promptLosses(b, m, n, pixels, ids, mask, labels, progress)
	if err != nil {
		return nil, err
	}
	r := &PromptReport{Pairs: n}
	score := make([]float32, n*n) // image × caption, higher is better
	for i := 0; i < n; i++ {
		r.None += none[i].mean() / float64(n)
		r.Own += loss[i][i].mean() / float64(n)
		for c := 0; c < n; c++ {
			score[i*n+c] = float32(-loss[i][c].mean())
			if c != i {
				r.Other += loss[i][c].mean() / float64(n*(n-1))
			}
		}
	}
	if r.Retrieval, err = both(score, n, 0, nil, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// promptLosses is every caption's loss after every image's visual prompt
// (loss[image][caption]) and after none.
func promptLosses(b nn.Backend, m *blip2.Model, n int, pixels func(i int) ([]float32, error), ids, mask, labels [][]int, progress io.Writer) ([][]tokenLoss, []tokenLoss, error) {
	if progress == nil {
		progress = io.Discard
	}
	if m.OPT == nil {
		return nil, nil, fmt.Errorf("eval: the visual-prompt probe needs an OPT-layout language model")
	}
	if n < 2 || len(ids) != n || len(mask) != n || len(labels) != n {
		return nil, nil, fmt.Errorf("eval: the visual-prompt probe needs at least 2 pairs, has %d images and %d captions", n, len(ids))
	}
	Q, S, V := m.Config.NumQueryTokens, m.Config.Vision.ImageSize, m.Config.OPT.VocabSize
	// Captions go through in chunks whose logits stay well under a
	// storage buffer's limit (128 MiB on many adapters).
	T := len(ids[0])
	chunk := max(1, probeBytes/((Q+T)*V*4))
	var starts []int
	var embs []nn.Tensor
	defer func() { b.Free(embs...) }()
	none := make([]tokenLoss, 0, n)
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		emb := m.OPT.EmbedTokens(b, ids[start:end])
		starts, embs = append(starts, start), append(embs, emb)
		hidden, lg := m.OPT.Forward(b, emb, mask[start:end], nil)
		l, err := b.Read(lg)
		b.Free(append(hidden, lg)...)
		if err != nil {
			return nil, nil, err
		}
		none = append(none, rowLosses(l, labels[start:end], 0)...)
	}
	full := make([][]int, n)
	for i := range full {
		full[i] = append(ones(Q), mask[i]...)
	}
	loss := make([][]tokenLoss, n)
	for i := 0; i < n; i++ {
		px, err := pixels(i)
		if err != nil {
			return nil, nil, err
		}
		t := b.Upload(px, 1, 3, S, S)
		prompt := m.VisualPrompt(b, t)
		for k, emb := range embs {
			start := starts[k]
			end := min(start+chunk, n)
			each := b.Select(prompt, make([]int, end-start)) // image i's prompt before every caption
			x := b.Concat(each, emb)
			hidden, lg := m.OPT.Forward(b, x, full[start:end], nil)
			l, err := b.Read(lg)
			b.Free(append(hidden, lg, x, each)...)
			if err != nil {
				b.Free(prompt, t)
				return nil, nil, err
			}
			loss[i] = append(loss[i], rowLosses(l, labels[start:end], Q)...)
		}
		b.Free(prompt, t)
		fmt.Fprintf(progress, "\rvisual-prompt probe: image %d/%d ", i+1, n)
	}
	fmt.Fprintln(progress)
	return loss, none, nil
}

// probeBytes bounds the logits of one chunk of the probe's captions.
var probeBytes = 32 << 20 // a variable for tests

// rowLosses sums −log p(labels[r][t]) over each row's targets, from
// logits (rows, skip+T, V) whose position skip+t−1 predicts token t.
func rowLosses(logits []float32, labels [][]int, skip int) []tokenLoss {
	T := len(labels[0])
	v := len(logits) / (len(labels) * (skip + T))
	out := make([]tokenLoss, len(labels))
	for r, row := range labels {
		for t := 1; t < T; t++ {
			if row[t] < 0 {
				continue
			}
			at := (r*(skip+T) + skip + t - 1) * v
			out[r].sum += negLogSoftmax(logits[at:at+v], row[t])
			out[r].n++
		}
	}
	return out
}

func ones(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = 1
	}
	return o
}
