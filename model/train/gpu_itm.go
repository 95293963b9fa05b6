package train

import (
	"fmt"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// ITM on the device. The 3B pairs are indices into the batch (itmpairs_fwd
// draws the hard negatives from the ITC logits on the device), and every
// per-pair tensor is gathered by them: the images' features, the texts'
// embeddings and their key-padding bias. Nothing is read back in the middle
// of the step, on either attention path (the composite one takes the
// gathered bias as its softmax mask).

// gpuITM is ITM's saved forward.
type gpuITM struct {
	N, Q, T          int
	imgIDs, txtIDs   *gpu.Tensor // (3B) image and text of each pair
	wid, pid, labels *gpu.Tensor
	pass             *gpuPass
	hq, logits, lse  *gpu.Tensor
}

// itmPairs returns the image and text of each pair (3B): the batch's own
// negatives when it has them, else drawn on the device from ITC's logits
// with the batch's sampler.
func (s *GPUStepper) itmPairs(i2t *gpu.Tensor, b *Batch) (img, txt *gpu.Tensor, err error) {
	B := len(b.IDs)
	if b.NegImage != nil && b.NegText != nil {
		im, tx := pairIndices(b.NegImage, b.NegText)
		return s.ids(im, B, 3*B), s.ids(tx, B, 3*B), nil
	}
	if b.Rand == nil {
		return nil, nil, fmt.Errorf("train: no ITM negatives and no sampler")
	}
	img, txt = s.d.ITMPairs(i2t, s.upload(NegativeUniforms(b.Rand, B), 2*B))
	s.keep(img, txt)
	return img, txt, nil
}

// readNegatives reads the drawn negatives back (after the step).
func readNegatives(img, txt *gpu.Tensor) (negImage, negText []int, err error) {
	im, err := img.ReadU32()
	if err != nil {
		return nil, nil, err
	}
	tx, err := txt.ReadU32()
	if err != nil {
		return nil, nil, err
	}
	negImage, negText = negativesOf(im, tx)
	return negImage, negText, nil
}

// itmAttnSpec is the joint pass's attention spec: every query and the
// pair's text tokens as keys.
func (s *GPUStepper) itmAttnSpec(txt *gpu.Tensor, mask [][]int, Q int) *attnSpec {
	keys := onesThen(Q, mask) // (B, Q+T)
	L := len(keys[0])
	bias := s.keep(s.d.Embedding(txt, s.upload(keyBias(keys), len(keys), L), 0))
	return &attnSpec{mode: cpu.MaskNone, nq: Q, bias: bias.Reshape(txt.Len(), 1, 1, L)}
}

// itmForward runs the joint bi-directional pass over the pairs and writes
// loss_itm into the stats at slotITM. mask is the batch's captions' (the
// text of the first two blocks of pairs; the third block's are drawn on
// the device).
func (s *GPUStepper) itmForward(v *gpu.Tensor, ids, mask [][]int, img, txt *gpu.Tensor, spec *attnSpec) *gpuITM {
	d := s.d
	B, T := len(ids), len(ids[0])
	Q, H := s.m.Config.NumQueryTokens, s.m.Config.QFormer.HiddenSize
	t := &gpuITM{N: 3 * B, Q: Q, T: T, imgIDs: img, txtIDs: txt}
	P, Dv := v.Dim(1), v.Dim(2)
	// Gather each pair's image and text embeddings as lookups over the batch.
	pairImg := s.keep(d.Embedding(img, v.Reshape(B, P*Dv), 0)).Reshape(t.N, P, Dv)
	te, wid, pid := s.textEmbeds(ids)
	t.wid, t.pid = wid, pid
	pairTxt := d.Embedding(txt, te.Reshape(B, T*H), 0).Reshape(t.N, T, H)
	qe := s.queryEmbeds(t.N)
	emb := s.keep(d.Concat(qe, pairTxt))
	release(qe, te, pairTxt)
	t.pass = &gpuPass{B: t.N, T: Q + T, NQ: Q, image: pairImg, spec: spec, tokens: tokenRows(append(append([][]int(nil), mask...), mask...), t.N, T),
		outTextSet: true} // ITM reads the query rows alone
	h := s.qformerForward(emb, t.pass)
	t.hq = s.rows(h, 0, Q)
	h.Release()
	perQuery := s.linear(s.m.ITMHead, t.hq) // (N, Q, 2)
	t.logits = s.keep(d.MeanRows(perQuery))
	perQuery.Release()
	labels := make([]int32, t.N)
	for p := 0; p < B; p++ {
		labels[p] = 1
	}
	t.labels = s.labels(labels)
	loss, lse := d.CrossEntropy(t.logits, t.labels, 0)
	s.keep(loss, lse)
	t.lse = lse
	d.LossMean(s.stats, loss, t.labels, slotITM)
	return t
}

// itmBackward back-propagates loss_itm and adds d(V) into dv (B, P, Dv).
func (s *GPUStepper) itmBackward(t *gpuITM, dv *gpu.Tensor) {
	d := s.d
	Q, H, B := t.Q, s.m.Config.QFormer.HiddenSize, t.N/3
	dl := s.keep(d.CrossEntropyBackward(t.logits, t.labels, t.lse, s.stats, slotITM, 0, 1))
	dpq := s.keep(d.MeanRowsBackward(dl, Q))
	dhq := s.linearBack(s.m.ITMHead, dpq, t.hq)
	dh := s.keep(d.Zeros(t.N, Q+t.T, H))
	s.putRows(dh, dhq, 0)
	release(dl, dpq, dhq, t.hq)
	demb, dimg := s.qformerBackward(dh, t.pass)
	dq, dt := s.rows(demb, 0, Q), s.rows(demb, Q, t.T)
	s.queryBackward(dq, t.N)
	// The pairs' text gradients gather back onto the batch's texts.
	dte := s.keep(d.Zeros(B, t.T*H))
	d.EmbeddingBackwardAdd(dte, dt, t.txtIDs, 0)
	s.textEmbedsBackward(dte, t.wid, t.pid)
	d.EmbeddingBackwardAdd(dv.Reshape(dv.Dim(0), dv.Len()/dv.Dim(0)), dimg, t.imgIDs, 0)
	release(dh, demb, dq, dt, dimg, dte)
}
