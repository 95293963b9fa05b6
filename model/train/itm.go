package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
)

// SampleNegatives draws one column per row r of logits (rows, cols) from
// softmax(logits[r]) with the positive column r masked out: LAVIS's hard
// negative mining (blip2-spec §5.2; the weights are computed without
// gradient). It needs cols ≥ 2.
func SampleNegatives(rng *rand.Rand, logits []float32, rows, cols int) ([]int, error) {
	if cols < 2 {
		return nil, fmt.Errorf("train: hard negatives need at least 2 candidates, have %d", cols)
	}
	out := make([]int, rows)
	w := make([]float64, cols)
	for r := 0; r < rows; r++ {
		NegativeWeights(w, logits[r*cols:(r+1)*cols], r)
		u := rng.Float64()
		out[r] = cols - 1
		var acc float64
		for c, p := range w {
			acc += p
			if u < acc && p > 0 {
				out[r] = c
				break
			}
		}
		if w[out[r]] == 0 { // rounding put u past the last positive weight
			for c := cols - 1; c >= 0; c-- {
				if w[c] > 0 {
					out[r] = c
					break
				}
			}
		}
	}
	return out, nil
}

// NegativeWeights writes softmax(row) with column pos excluded into w.
func NegativeWeights(w []float64, row []float32, pos int) {
	mx := math.Inf(-1)
	for c, v := range row {
		if c != pos {
			mx = math.Max(mx, float64(v))
		}
	}
	var s float64
	for c, v := range row {
		w[c] = 0
		if c != pos {
			w[c] = math.Exp(float64(v) - mx)
			s += w[c]
		}
	}
	for c := range w {
		w[c] /= s
	}
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
