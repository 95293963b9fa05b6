package train

import (
	"blip2/model/cpu"
)

// stage2T5 is stage 2 through a frozen T5, as Hugging Face's
// Blip2ForConditionalGeneration computes it with labels: encoder input
// [language_projection(Z) ; shared(LMIDs)] with mask [1…1 ; LMMask], the
// decoder over the labels shifted right, the mean cross-entropy of every
// label that is not −100 (no smoothing). The gradient flows to the visual
// prompt only, then language_projection, the Q-Former query path, query
// tokens and ln_vision. T5 has no BOS target: LossWithBOS is Loss.
func (m *Model) stage2T5(b *Batch) (*Stage2Result, error) {
	c := m.Config.T5
	B, Q, P := len(b.LMIDs), m.Config.NumQueryTokens, len(b.LMIDs[0])
	v, vs, err := m.batchVision(b)
	if err != nil {
		return nil, err
	}
	z, zs := m.imagePass(v, vs)
	prompt := linear(m.LangProj, z, B*Q) // (B, Q, d)
	d := c.DModel
	w, _ := flatIDs(b.LMIDs)
	tok := make([]float32, B*P*d)
	cpu.EmbeddingForward(tok, w, m.T5.Shared.Data, len(w), m.T5.Shared.Shape[0], d, 0)
	x := concatRows(prompt, tok, B, Q, P, d)
	decIDs, decMask, labels := T5DecoderInputs(b.LMLabels, idOrZero(c.DecoderStartTokenID), idOrZero(c.PadTokenID))
	logits, s := m.t5Forward(x, onesThen(Q, b.LMMask), decIDs, decMask)
	loss, ce := crossEntropy(logits, labels, m.T5.LMHead.Shape[0], 0)
	res := &Stage2Result{Loss: loss, LossWithBOS: loss, Grads: Grads{}}
	dx := m.t5Backward(ce.grad(1), s)
	dprompt := takeRows(dx, B, Q+P, d, 0, Q)
	dz := linearBackward(res.Grads, m.LangProj, dprompt, z, B*Q, true)
	dv := m.imagePassBackward(res.Grads, dz, zs)
	m.visionBackward(res.Grads, dv, vs)
	return res, nil
}

// idOrZero reads an optional token id of the config (T5's decoder start
// and pad are both 0 when unset).
func idOrZero(id *int) int {
	if id == nil {
		return 0
	}
	return *id
}
