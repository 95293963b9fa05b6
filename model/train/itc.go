package train

import (
	"blip2/model/cpu"
)

// l2eps is F.normalize's eps.
const l2eps = 1e-12

// imagePass is the query-only Q-Former pass over V: Z (B, Q, H).
func (m *Model) imagePass(v []float32, vs *visionSave) ([]float32, *qfPass) {
	Q := m.Config.NumQueryTokens
	s := &qfPass{B: vs.B, T: Q, NQ: Q, P: vs.P, image: v, mode: cpu.MaskNone}
	return m.qformerForward(m.queryEmbeds(vs.B), s), s
}

// imagePassBackward returns d(V) and accumulates the query path and query
// tokens.
func (m *Model) imagePassBackward(g Grads, dz []float32, s *qfPass) []float32 {
	demb, dv := m.qformerBackward(g, dz, s)
	m.queryBackward(g, demb, s.B)
	return dv
}

// itcState is ITC's saved forward.
type itcState struct {
	B, Bt, Q, E, H, T int
	z, imgP, imgF     []float32 // (B, Q, H), (B, Q, E) before and after normalizing
	cls, txtP, txtF   []float32 // (Bt, H), (Bt, E) ...
	maxSim            []float32 // (B, Bt) max over queries, unscaled
	arg               []uint32
	i2t, t2i          *ceSave
	text              *qfPass
	ids               [][]int
}

// itcForward computes the ITC losses (stop-gradient form) from Z and the
// text pass; it returns loss_i2t, loss_t2i and the scaled logits.
func (m *Model) itcForward(z []float32, ids, mask [][]int) (*itcState, float32, float32) {
	c := m.Config
	B, Q, H, E := len(z)/(c.NumQueryTokens*c.QFormer.HiddenSize), c.NumQueryTokens, c.QFormer.HiddenSize, c.ImageTextHiddenSize
	Bt, T := len(ids), len(ids[0])
	s := &itcState{B: B, Bt: Bt, Q: Q, E: E, H: H, T: T, z: z, ids: ids}
	s.imgP = linear(m.VisionProj, z, B*Q)
	s.imgF = make([]float32, len(s.imgP))
	cpu.L2NormForward(s.imgF, s.imgP, B*Q, E, l2eps)

	s.text = &qfPass{B: Bt, T: T, mode: cpu.MaskNone, bias: keyBias(mask)}
	ht := m.qformerForward(m.textEmbeds(ids), s.text)
	s.cls = takeRows(ht, Bt, T, H, 0, 1)
	s.txtP = linear(m.TextProj, s.cls, Bt)
	s.txtF = make([]float32, len(s.txtP))
	cpu.L2NormForward(s.txtF, s.txtP, Bt, E, l2eps)

	// The detached side of each similarity is the live value except under
	// a finite-difference check, which freezes it at the base point.
	imgD, txtD := s.imgF, s.txtF
	if m.detached != nil {
		imgD, txtD = m.detached[0], m.detached[1]
	}
	s.maxSim, s.arg = maxSim(s.imgF, txtD, B, Q, Bt, E)
	t2iMax := append([]float32(nil), s.maxSim...)
	if m.detached != nil {
		t2iMax, _ = maxSim(imgD, s.txtF, B, Q, Bt, E)
	}

	temp := m.Temp.Data[0]
	i2t := make([]float32, B*Bt)
	for i, v := range s.maxSim {
		i2t[i] = v / temp
	}
	t2i := make([]float32, Bt*B)
	for i, v := range t2iMax {
		t2iMax[i] = v / temp
	}
	cpu.Transpose2DForward(t2i, t2iMax, B, Bt)
	li, lt := float32(0), float32(0)
	li, s.i2t = crossEntropy(i2t, diagLabels(B), Bt, 0.1)
	lt, s.t2i = crossEntropy(t2i, diagLabels(Bt), B, 0.1)
	return s, li, lt
}

func diagLabels(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i)
	}
	return out
}

// itcBackward back-propagates scale·(loss_i2t + loss_t2i)/2 … with the
// README's stop-gradient: the image side sees only loss_i2t, the text side
// only loss_t2i, and temp both. It returns d(Z).
func (m *Model) itcBackward(g Grads, s *itcState, scale float32) []float32 {
	B, Bt, Q, E, H := s.B, s.Bt, s.Q, s.E, s.H
	temp := float64(m.Temp.Data[0])
	gi := s.i2t.grad(scale / 2) // (B, Bt)
	gtT := s.t2i.grad(scale / 2)
	gt := make([]float32, B*Bt) // back to (images, texts)
	cpu.Transpose2DForward(gt, gtT, Bt, B)
	var dtemp float64
	dmi, dmt := make([]float32, B*Bt), make([]float32, B*Bt)
	for i, v := range s.maxSim {
		dtemp -= (float64(gi[i]) + float64(gt[i])) * float64(v) / (temp * temp)
		dmi[i] = float32(float64(gi[i]) / temp)
		dmt[i] = float32(float64(gt[i]) / temp)
	}
	g.Of(&m.Temp)[0] += float32(dtemp)

	// Image side: d imgF[i,q] = Σ_j dS[i,q,j]·txtF[j], txtF detached.
	ds := make([]float32, B*Q*Bt)
	cpu.MaxRowsBackward(ds, dmi, s.arg, B, Q, Bt)
	dImgF := make([]float32, B*Q*E)
	matmulNN(dImgF, ds, s.txtF, B*Q, Bt, E)
	dImgP := make([]float32, len(dImgF))
	cpu.L2NormBackward(dImgP, dImgF, s.imgP, B*Q, E, l2eps)
	dz := linearBackward(g, m.VisionProj, dImgP, s.z, B*Q, true)

	// Text side: d txtF[j] = Σ_{i,q} dS[i,q,j]·imgF[i,q], imgF detached.
	cpu.MaxRowsBackward(ds, dmt, s.arg, B, Q, Bt)
	dTxtF := make([]float32, Bt*E)
	matmulTN(dTxtF, ds, s.imgF, B*Q, Bt, E)
	dTxtP := make([]float32, len(dTxtF))
	cpu.L2NormBackward(dTxtP, dTxtF, s.txtP, Bt, E, l2eps)
	dcls := linearBackward(g, m.TextProj, dTxtP, s.cls, Bt, true)
	dh := make([]float32, Bt*s.T*H)
	putRows(dh, dcls, Bt, s.T, H, 0, 1)
	demb, _ := m.qformerBackward(g, dh, s.text)
	m.textEmbedsBackward(g, demb, s.ids)
	return dz
}

// maxSim is max over queries of ⟨img[i,q], txt[j]⟩: (B, Bt) and the argmax.
func maxSim(img, txt []float32, B, Q, Bt, E int) ([]float32, []uint32) {
	sim := make([]float32, B*Q*Bt) // (B, Q, Bt)
	matmulNT(sim, img, txt, nil, B*Q, E, Bt)
	out, arg := make([]float32, B*Bt), make([]uint32, B*Bt)
	cpu.MaxRowsForward(out, arg, sim, B, Q, Bt)
	return out, arg
}
