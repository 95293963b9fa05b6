package train

import (
	"fmt"

	"blip2/model/cpu"
	"blip2/model/weights"
)

// The language model's own training (stage 0): next-token prediction on
// text alone through the OPT decoder, the LM head tied to the token
// embedding.

// LMParams are the language model's parameters, sorted by name: the
// token embedding (which is also the tied head), the positions, every
// layer, the final LayerNorm and the projections.
func (m *Model) LMParams() []*weights.Param {
	var ps []*weights.Param
	for _, p := range collectParams(m.OPT) {
		if p != &m.OPT.LMHead {
			ps = append(ps, p)
		}
	}
	return sortParams(ps)
}

// TieLMHead copies the trained token embedding into the LM head.
func (m *Model) TieLMHead() { copy(m.OPT.LMHead.Data, m.OPT.Embed.Data) }

// LMResult is one language-model step.
type LMResult struct {
	Loss   float32
	Tokens int // predicted tokens the loss averages over
	Grads  Grads
}

// lmLabels are the targets of rows 0 … L−2 of each sequence: the next
// token where it is real, −100 where it is padding. A batch with LMLabels
// (Hugging Face's labels, aligned with the ids, −100 for no loss) takes
// its targets from them instead: a sequence whose first tokens are
// context, not text to learn.
func lmLabels(b *Batch) []int32 {
	var out []int32
	for i, row := range b.LMIDs {
		for r := 0; r+1 < len(row); r++ {
			y := int32(-100)
			switch {
			case b.LMLabels != nil:
				y = int32(b.LMLabels[i][r+1])
			case b.LMMask[i][r+1] == 1:
				y = int32(row[r+1])
			}
			out = append(out, y)
		}
	}
	return out
}

func checkLMBatch(m *Model, b *Batch) error {
	if m.OPT == nil {
		return fmt.Errorf("train: the language-model step needs an OPT language model")
	}
	if len(b.LMIDs) == 0 || len(b.LMMask) != len(b.LMIDs) || len(b.LMIDs[0]) < 2 {
		return fmt.Errorf("train: language-model batch of %d rows, %d masks", len(b.LMIDs), len(b.LMMask))
	}
	if b.LMLabels != nil && len(b.LMLabels) != len(b.LMIDs) {
		return fmt.Errorf("train: language-model batch of %d rows, %d label rows", len(b.LMIDs), len(b.LMLabels))
	}
	return nil
}

// LMLoss runs the language-model forward only.
func (m *Model) LMLoss(b *Batch) (*LMResult, error) { return m.lm(b, false) }

// LM runs the language-model forward and backward: the mean cross-entropy
// of every real next token (no smoothing).
func (m *Model) LM(b *Batch) (*LMResult, error) { return m.lm(b, true) }

func (m *Model) lm(b *Batch, backward bool) (*LMResult, error) {
	if err := checkLMBatch(m, b); err != nil {
		return nil, err
	}
	o := m.OPT
	B, L := len(b.LMIDs), len(b.LMIDs[0])
	V, E := o.Embed.Shape[0], o.Embed.Shape[1]
	w, _ := flatIDs(b.LMIDs)
	x := make([]float32, B*L*E)
	cpu.EmbeddingForward(x, w, o.Embed.Data, len(w), V, E, 0)
	out, os, err := m.optForward(x, b.LMMask, 1)
	if err != nil {
		return nil, err
	}
	rows := B * (L - 1)
	logits := linearW(&o.Embed, nil, out, rows)
	labels := lmLabels(b)
	loss, ce := crossEntropy(logits, labels, V, 0)
	r := &LMResult{Loss: loss, Tokens: int(ce.stats[1])}
	if !backward {
		return r, nil
	}
	g := Grads{}
	r.Grads = g
	dl := ce.grad(1)
	weightGrad(g, &o.Embed, dl, out, rows)
	dx := m.optBackward(g, inputGrad(&o.Embed, dl, rows), os, 1)
	cpu.EmbeddingBackward(g.Of(&o.Embed), dx, w, len(w), V, E, 0)
	return r, nil
}
