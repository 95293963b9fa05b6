package train

import (
	"fmt"
)

// StepLM runs one language-model training step on the device (forward,
// backward, clipped AdamW over LMParams) and returns the loss.
func (s *GPUStepper) StepLM(b *Batch) (*LMResult, error) {
	if s.Opt == nil {
		return nil, fmt.Errorf("train: a GPU step needs an optimizer")
	}
	return s.lm(b, true)
}

// LM runs the language-model forward and backward on the device without
// an update and reads back the loss and gradients, as Model.LM returns
// them.
func (s *GPUStepper) LM(b *Batch) (*LMResult, error) {
	r, err := s.lm(b, false)
	if err != nil {
		return nil, err
	}
	r.Grads, err = s.readGrads(s.m.LMParams())
	return r, err
}

func (s *GPUStepper) lm(b *Batch, update bool) (*LMResult, error) {
	m := s.m
	if err := checkLMBatch(m, b); err != nil {
		return nil, err
	}
	d, o := s.d, m.OPT
	params := m.LMParams()
	s.begin(params)
	B, L := len(b.LMIDs), len(b.LMIDs[0])
	w, _ := flatIDs(b.LMIDs)
	ids := s.ids(w, o.Embed.Shape[0], B, L)
	x := s.keep(d.Embedding(ids, s.w(&o.Embed), 0))
	out, os, err := s.optForward(x, b.LMMask, 1)
	if err != nil {
		return nil, err
	}
	logits := s.keep(d.Linear(out, s.w(&o.Embed), nil))
	labels := s.labels(lmLabels(b))
	loss, lse := d.CrossEntropy(logits, labels, 0)
	s.keep(loss, lse)
	d.LossMean(s.stats, loss, labels, slotLM)
	dl := s.keep(d.CrossEntropyBackward(logits, labels, lse, s.stats, slotLM, 0, 1))
	// The tied head: its gradient lands in the token embedding.
	dout := s.keep(d.LinearBackward(dl, out, s.w(&o.Embed), s.grad(&o.Embed), nil))
	dx := s.optBackward(dout, os, 1)
	d.EmbeddingBackwardAdd(s.grad(&o.Embed), dx, ids, 0)
	st, err := s.finish(params, update)
	if err != nil {
		return nil, err
	}
	s.ar.release()
	return &LMResult{Loss: st[slotLM], Tokens: int(st[slotLM+1])}, nil
}
