package train

import (
	"blip2/model/cpu"
)

// ITGInputs returns the ITG ids (column 0 replaced by dec) and the
// unshifted labels (padding → −100).
func ITGInputs(ids, mask [][]int, dec int) (in [][]int, labels [][]int) {
	for b, row := range ids {
		r := append([]int(nil), row...)
		r[0] = dec
		l := append([]int(nil), r...)
		for j := range l {
			if mask[b][j] == 0 {
				l[j] = -100
			}
		}
		in, labels = append(in, r), append(labels, l)
	}
	return in, labels
}

// itgState is ITG's saved forward.
type itgState struct {
	B, Q, T, H int
	ids        [][]int
	pass       *qfPass
	ht         []float32 // text rows of the last hidden state (B·T, H)
	u, a, n    []float32 // head: dense output, GELU output, LayerNorm output
	ln         lnSave
	ce         *ceSave
}

// itgForward runs the joint [queries ; [DEC] text] pass with the
// multimodal causal mask. The README shows this equals LAVIS's query pass
// + text pass over the cached (differentiable) query K/V: the query rows
// of a causal pass see only queries, so they are the query pass itself.
// It returns the loss, the logits (B, T, V) and the last hidden state.
func (m *Model) itgForward(v []float32, vs *visionSave, ids, mask [][]int, dec int) (*itgState, float32, []float32, []float32) {
	Q, H := m.Config.NumQueryTokens, m.Config.QFormer.HiddenSize
	in, lab := ITGInputs(ids, mask, dec)
	B, T := len(ids), len(ids[0])
	s := &itgState{B: B, Q: Q, T: T, H: H, ids: in}
	emb := concatRows(m.queryEmbeds(B), m.textEmbeds(in), B, Q, T, H)
	s.pass = &qfPass{B: B, T: Q + T, NQ: Q, P: vs.P, image: v, mode: cpu.MaskCausal, bias: keyBias(onesThen(Q, mask))}
	h := m.qformerForward(emb, s.pass)
	s.ht = takeRows(h, B, Q+T, H, Q, T)
	hd := m.Head
	s.u = linear(&hd.Dense, s.ht, B*T)
	s.a = act(s.u, cpu.ActGELU)
	s.n, s.ln = layerNorm(&hd.Norm, s.a, B*T)
	word := &m.TextEmbed.Word
	logits := linearW(word, hd.Bias.Data, s.n, B*T)
	// Position t predicts token t+1; the last position predicts nothing.
	labels := make([]int32, 0, B*T)
	for _, row := range lab {
		for t := 0; t < T; t++ {
			y := int32(-100)
			if t+1 < T {
				y = int32(row[t+1])
			}
			labels = append(labels, y)
		}
	}
	loss, ce := crossEntropy(logits, labels, word.Shape[0], 0.1)
	s.ce = ce
	return s, loss, logits, h
}

// itgBackward back-propagates scale·loss_itg and adds d(V) into dv.
func (m *Model) itgBackward(g Grads, s *itgState, scale float32, dv []float32) {
	B, Q, T, H := s.B, s.Q, s.T, s.H
	hd, word := m.Head, &m.TextEmbed.Word
	dl := s.ce.grad(scale)
	weightGrad(g, word, dl, s.n, B*T) // the tied decoder
	biasGrad(g, &hd.Bias, dl, B*T)
	dn := inputGrad(word, dl, B*T)
	da := layerNormBackward(g, &hd.Norm, dn, s.ln)
	du := actBackward(da, s.u, cpu.ActGELU)
	dht := linearBackward(g, &hd.Dense, du, s.ht, B*T, true)
	dh := make([]float32, B*(Q+T)*H)
	putRows(dh, dht, B, Q+T, H, Q, T)
	demb, dimg := m.qformerBackward(g, dh, s.pass)
	m.queryBackward(g, takeRows(demb, B, Q+T, H, 0, Q), B)
	m.textEmbedsBackward(g, takeRows(demb, B, Q+T, H, Q, T), s.ids)
	addTo(dv, dimg)
}
