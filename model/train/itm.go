package train

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
)

// SampleNegatives draws ITM's hard negatives from ITC's i2t logits (B, B):
// for each text an image (negImage) and for each image a text (negText),
// from the softmax of its row or column with the positive masked out
// (LAVIS's hard negative mining, blip2-spec §5.2; no gradient flows). The
// 2B uniforms come from rng, the image negatives' first, and the draw is
// cpu.ITMPairsForward, the twin of the device's itmpairs_fwd: host and
// device steps draw the same negatives from the same logits. It needs
// B ≥ 2.
func SampleNegatives(rng *rand.Rand, i2t []float32, B int) (negImage, negText []int, err error) {
	if B < 2 {
		return nil, nil, fmt.Errorf("train: hard negatives need at least 2 candidates, have %d", B)
	}
	img, txt := make([]uint32, 3*B), make([]uint32, 3*B)
	cpu.ITMPairsForward(img, txt, i2t, NegativeUniforms(rng, B), B)
	negImage, negText = negativesOf(img, txt)
	return negImage, negText, nil
}

// ITM's 3B pairs, as itmpairs_fwd lays them out: block 0 (image p, text p),
// block 1 (negImage[p], text p), block 2 (image p, negText[p]).

// pairIndices is the image and the text of each pair.
func pairIndices(negImage, negText []int) (img, txt []uint32) {
	B := len(negImage)
	img, txt = make([]uint32, 3*B), make([]uint32, 3*B)
	for p := 0; p < B; p++ {
		img[p], img[B+p], img[2*B+p] = uint32(p), uint32(negImage[p]), uint32(p)
		txt[p], txt[B+p], txt[2*B+p] = uint32(p), uint32(p), uint32(negText[p])
	}
	return img, txt
}

// negativesOf is pairIndices' inverse: the negatives in blocks 1 and 2.
func negativesOf(img, txt []uint32) (negImage, negText []int) {
	B := len(img) / 3
	negImage, negText = make([]int, B), make([]int, B)
	for p := 0; p < B; p++ {
		negImage[p], negText[p] = int(img[B+p]), int(txt[2*B+p])
	}
	return negImage, negText
}

// NegativeUniforms are the 2B uniforms in [0, 1) one step's negatives are
// drawn with.
func NegativeUniforms(rng *rand.Rand, B int) []float32 {
	u := make([]float32, 2*B)
	for i := range u {
		u[i] = rng.Float32()
	}
	return u
}

// itmState is ITM's saved forward.
type itmState struct {
	N, Q, T, H int
	images     []int // image of each pair
	ids        [][]int
	pass       *qfPass
	hq         []float32 // (N, Q, H) query rows of the last hidden state
	ce         *ceSave
}

// itmForward builds the 3B pairs (texts [pos, pos, neg], images
// [pos, neg, pos]), runs the bi-directional joint pass and returns the
// loss and the logits (3B, 2) averaged over queries.
func (m *Model) itmForward(v []float32, vs *visionSave, ids, mask [][]int, negImage, negText []int) (*itmState, float32, []float32) {
	B := len(ids)
	Q, H := m.Config.NumQueryTokens, m.Config.QFormer.HiddenSize
	s := &itmState{N: 3 * B, Q: Q, T: len(ids[0]), H: H}
	var pm [][]int
	labels := make([]int32, 0, 3*B)
	for p := 0; p < 3*B; p++ {
		b, img, txt, y := p%B, p%B, p%B, int32(0)
		switch p / B {
		case 0:
			y = 1
		case 1:
			img = negImage[b]
		case 2:
			txt = negText[b]
		}
		s.images = append(s.images, img)
		s.ids = append(s.ids, ids[txt])
		pm = append(pm, mask[txt])
		labels = append(labels, y)
	}
	row := vs.P * vs.Dv
	img := make([]float32, 0, s.N*row)
	for _, i := range s.images {
		img = append(img, v[i*row:(i+1)*row]...)
	}
	emb := concatRows(m.queryEmbeds(s.N), m.textEmbeds(s.ids), s.N, Q, s.T, H)
	s.pass = &qfPass{B: s.N, T: Q + s.T, NQ: Q, P: vs.P, image: img, mode: cpu.MaskNone, bias: keyBias(onesThen(Q, pm))}
	h := m.qformerForward(emb, s.pass)
	s.hq = takeRows(h, s.N, Q+s.T, H, 0, Q)
	perQuery := linear(m.ITMHead, s.hq, s.N*Q) // (N, Q, 2)
	logits := make([]float32, s.N*2)
	cpu.MeanRowsForward(logits, perQuery, s.N, Q, 2)
	loss, ce := crossEntropy(logits, labels, 2, 0)
	s.ce = ce
	return s, loss, logits
}

// itmBackward back-propagates scale·loss_itm and adds d(V) into dv.
func (m *Model) itmBackward(g Grads, s *itmState, scale float32, dv []float32) {
	Q, H, T := s.Q, s.H, s.T
	dl := s.ce.grad(scale)
	dpq := make([]float32, s.N*Q*2)
	cpu.MeanRowsBackward(dpq, dl, s.N, Q, 2)
	dhq := linearBackward(g, m.ITMHead, dpq, s.hq, s.N*Q, true)
	dh := make([]float32, s.N*(Q+T)*H)
	putRows(dh, dhq, s.N, Q+T, H, 0, Q)
	demb, dimg := m.qformerBackward(g, dh, s.pass)
	m.queryBackward(g, takeRows(demb, s.N, Q+T, H, 0, Q), s.N)
	m.textEmbedsBackward(g, takeRows(demb, s.N, Q+T, H, Q, T), s.ids)
	row := len(dimg) / s.N
	for p, i := range s.images {
		addTo(dv[i*row:(i+1)*row], dimg[p*row:(p+1)*row])
	}
}
