package train

import (
	"blip2/model/cpu"
	"blip2/model/gpu"
)

// The stage-1 losses on the device, mirroring itc.go, itm.go and itg.go.

// imagePass is the query-only Q-Former pass over V: Z (B, Q, H).
func (s *GPUStepper) imagePass(v *gpu.Tensor, B int) (*gpu.Tensor, *gpuPass) {
	Q := s.m.Config.NumQueryTokens
	p := &gpuPass{B: B, T: Q, NQ: Q, image: v}
	return s.qformerForward(s.queryEmbeds(B), p), p
}

// imagePassBackward returns d(V) and accumulates the query path.
func (s *GPUStepper) imagePassBackward(dz *gpu.Tensor, p *gpuPass) *gpu.Tensor {
	demb, dv := s.qformerBackward(dz, p)
	s.queryBackward(demb, p.B)
	demb.Release()
	return dv
}

// gpuITC is ITC's saved forward.
type gpuITC struct {
	B, Bt, Q, E, T                 int
	z, imgP, imgF, cls, txtP, txtF *gpu.Tensor
	maxSim, arg, logits            *gpu.Tensor
	dI2T, dT2I                     *gpu.Tensor // d loss_itc / d logits, per direction
	text                           *gpuPass
	wid, pid                       *gpu.Tensor
}

// itcForward computes both ITC losses into the stats (slots slotI2T and
// slotT2I) and, already, their gradients with respect to the logits.
func (s *GPUStepper) itcForward(z *gpu.Tensor, ids, mask [][]int) *gpuITC {
	c := s.m.Config
	t := &gpuITC{B: z.Dim(0), Bt: len(ids), Q: c.NumQueryTokens, E: c.ImageTextHiddenSize, T: len(ids[0]), z: z}
	d := s.d
	t.imgP = s.linear(s.m.VisionProj, z)
	t.imgF = s.keep(d.L2Normalize(t.imgP, l2eps))
	emb, wid, pid := s.textEmbeds(ids)
	t.wid, t.pid = wid, pid
	t.text = &gpuPass{B: t.Bt, T: t.T, spec: s.newAttnSpec(cpu.MaskNone, 0, mask), tokens: tokenRows(mask, t.Bt, t.T),
		outText: firstRows(t.Bt, t.T), outTextSet: true}
	ht := s.qformerForward(emb, t.text)
	t.cls = s.rows(ht, 0, 1)
	ht.Release()
	t.txtP = s.linear(s.m.TextProj, t.cls)
	t.txtF = s.keep(d.L2Normalize(t.txtP, l2eps))
	sim := s.keep(d.Scratch(t.B, t.Q, t.Bt))
	d.MatMulNT(sim, t.imgF, t.txtF, nil, cpu.DenseNT(1, t.B*t.Q, t.Bt, t.E, true))
	t.maxSim, t.arg = d.MaxRows(sim)
	s.keep(t.maxSim, t.arg)
	sim.Release()
	t.logits = s.keep(d.Mul(t.maxSim, s.invTemp))
	t.dI2T, t.dT2I = d.Contrastive(t.logits, s.stats, slotI2T, 0.1)
	s.keep(t.dI2T, t.dT2I)
	return t
}

// itcBackward applies the README's stop-gradient (image side from
// loss_i2t only, text side from loss_t2i only, temp from both) and
// returns d(Z).
func (s *GPUStepper) itcBackward(t *gpuITC) *gpu.Tensor {
	d := s.d
	B, Bt, Q, E, H := t.B, t.Bt, t.Q, t.E, s.m.Config.QFormer.HiddenSize
	// d temp = −Σ (gi + gt)·maxSim / temp², the sum as a 1×1 product.
	gsum := s.add(t.dI2T, t.dT2I)
	dot := s.keep(d.Scratch(1, 1))
	d.MatMulNT(dot, gsum, t.maxSim, nil, cpu.DenseNT(1, 1, 1, B*Bt, true))
	s.addGrad(&s.m.Temp, d.Mul(dot, s.negInvTemp2))
	release(gsum, dot)
	dmi := s.keep(d.Mul(t.dI2T, s.invTemp))
	dmt := s.keep(d.Mul(t.dT2I, s.invTemp))

	ds := s.keep(d.MaxRowsBackward(dmi, t.arg, Q)) // (B, Q, Bt)
	dImgF := s.keep(d.Scratch(B, Q, E))
	d.MatMulNN(dImgF, ds, t.txtF, cpu.DenseNN(1, B*Q, E, Bt, true))
	dImgP := s.keep(d.L2NormalizeBackward(dImgF, t.imgP, l2eps))
	dz := s.linearBack(s.m.VisionProj, dImgP, t.z)
	release(ds, dImgF, dImgP)

	ds = s.keep(d.MaxRowsBackward(dmt, t.arg, Q))
	dTxtF := s.keep(d.Scratch(Bt, 1, E))
	d.MatMulTN(dTxtF, ds, t.imgF, cpu.DenseTN(1, Bt, E, B*Q))
	dTxtP := s.keep(d.L2NormalizeBackward(dTxtF, t.txtP, l2eps))
	dcls := s.linearBack(s.m.TextProj, dTxtP, t.cls)
	dh := s.keep(d.Zeros(Bt, t.T, H))
	s.putRows(dh, dcls, 0)
	release(ds, dTxtF, dTxtP, dcls, dmi, dmt)
	demb, _ := s.qformerBackward(dh, t.text)
	s.textEmbedsBackward(demb, t.wid, t.pid)
	release(dh, demb, t.imgP, t.imgF, t.txtP, t.txtF, t.cls, t.arg)
	return dz
}

// gpuITG is ITG's saved forward.
type gpuITG struct {
	B, Q, T             int
	wid, pid, labels    *gpu.Tensor
	pass                *gpuPass
	h, ht, u, n, logits *gpu.Tensor
	lse                 *gpu.Tensor
	ln                  *gpuLN
	sel                 *rowPick // the text rows with a label
}

// itgForward runs the joint multimodal-causal pass and the ITG head and
// writes loss_itg into the stats at slotITG.
func (s *GPUStepper) itgForward(v *gpu.Tensor, ids, mask [][]int, dec int) *gpuITG {
	d := s.d
	Q := s.m.Config.NumQueryTokens
	in, lab := ITGInputs(ids, mask, dec)
	B, T := len(ids), len(ids[0])
	t := &gpuITG{B: B, Q: Q, T: T}
	var lists [][]int32
	qe := s.queryEmbeds(B)
	te, wid, pid := s.textEmbeds(in)
	t.wid, t.pid = wid, pid
	emb := s.keep(d.Concat(qe, te))
	release(qe, te)
	L := Q + T
	t.pass = &gpuPass{B: B, T: L, NQ: Q, image: v, spec: s.newAttnSpec(cpu.MaskCausal, Q, onesThen(Q, mask))}
	if !s.keepOutputs { // the parity checks read every position's hidden state
		t.pass.tokens, t.pass.noQueries = tokenRows(mask, B, T), true
	}
	t.h = s.qformerForward(emb, t.pass)
	labels := make([]int32, 0, B*T)
	for _, row := range lab {
		for i := 0; i < T; i++ {
			y := int32(-100)
			if i+1 < T {
				y = int32(row[i+1])
			}
			labels = append(labels, y)
		}
	}
	if s.keepOutputs { // every position's logits, for the parity checks
		_, _, _, all := s.itgHead(s.rows(t.h, Q, T))
		s.keepOut("itg", all)
	}
	t.sel, lists = s.labelledRows(B*T, labels)
	t.ht = s.pickText(t.h, Q, t.sel)
	t.u, t.n, t.ln, t.logits = s.itgHead(t.ht)
	t.labels = s.labels(lists[0])
	loss, lse := d.CrossEntropy(t.logits, t.labels, 0.1)
	s.keep(loss, lse)
	t.lse = lse
	d.LossMean(s.stats, loss, t.labels, slotITG)
	return t
}

// itgHead is the ITG head's forward over rows x: the dense layer's
// output, the normalised activations and their LayerNorm, the logits.
func (s *GPUStepper) itgHead(x *gpu.Tensor) (u, n *gpu.Tensor, ln *gpuLN, logits *gpu.Tensor) {
	hd := s.m.Head
	u = s.linear(&hd.Dense, x)
	a := s.keep(s.d.Act(gpu.GELU, u))
	n, ln = s.layerNorm(&hd.Norm, a)
	logits = s.keep(s.d.Linear(n, s.w(&s.m.TextEmbed.Word), s.w(&hd.Bias)))
	return u, n, ln, logits
}

// itgBackward back-propagates loss_itg and returns d(V).
func (s *GPUStepper) itgBackward(t *gpuITG) *gpu.Tensor {
	d := s.d
	B, Q, T, H := t.B, t.Q, t.T, s.m.Config.QFormer.HiddenSize
	hd, word := s.m.Head, &s.m.TextEmbed.Word
	dl := s.keep(d.CrossEntropyBackward(t.logits, t.labels, t.lse, s.stats, slotITG, 0.1, 1))
	// The tied decoder: its gradient lands in the word embeddings.
	dn := s.keep(d.LinearBackward(dl, t.n, s.w(word), s.grad(word), s.grad(&hd.Bias)))
	da := s.layerNormBack(&hd.Norm, dn, t.ln)
	du := s.keep(d.ActBackward(gpu.GELU, da, t.u))
	dh := s.keep(d.Zeros(B, Q+T, H))
	s.putText(dh, s.linearBack(&hd.Dense, du, t.ht), Q, t.sel)
	release(dl, dn, da, du, t.n, t.u, t.ht)
	demb, dimg := s.qformerBackward(dh, t.pass)
	dq, dt := s.rows(demb, 0, Q), s.rows(demb, Q, T)
	s.queryBackward(dq, B)
	s.textEmbedsBackward(dt, t.wid, t.pid)
	release(dh, demb, dq, dt)
	return dimg
}
