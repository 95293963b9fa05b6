package train

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/blip2"
	"blip2/model/blip2/synthetic"
	"blip2/model/cpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// ITGHead is the Q-Former's language-model head for ITG (BERT's LM
// prediction head, LAVIS names Qformer.cls.*): dense → GELU → LayerNorm →
// the decoder tied to the Q-Former word embeddings, plus a bias.
type ITGHead struct {
	Dense nn.Linear     `w:"cls.predictions.transform.dense"`
	Norm  nn.LayerNorm  `w:"cls.predictions.transform.LayerNorm"`
	Bias  weights.Param `w:"cls.predictions.bias"`
}

// NewITGHead sets the shapes binding checks: hidden size h, vocabulary v.
func NewITGHead(h, v int, eps float64) *ITGHead {
	return &ITGHead{Dense: nn.NewLinear(h, h), Norm: nn.NewLayerNorm(h, eps), Bias: weights.Param{Shape: []int{v}}}
}

// Model is a bound BLIP-2 model plus what training adds: the ITG head and
// the learnable ITC temperature (parameter name "temp").
type Model struct {
	*blip2.Model
	Head *ITGHead
	Temp weights.Param
	// Dual is stage 0's visual projection (nil outside stage 0).
	Dual *DualHead
	// FreezeQFormer keeps stage 2 off the Q-Former: it trains the language
	// projection only, so the query outputs, and with them ITC and ITM,
	// stay stage 1's exactly.
	FreezeQFormer bool

	actOp int
	// detached, when set, holds ITC's (image, text) features frozen at a
	// base point: the stop-gradient surrogate a finite-difference check
	// differentiates.
	detached *[2][]float32
}

// New wraps a retrieval-capable model (embeddings, projections, ITM head,
// text feed-forward) for training. head may be nil for stage 2 only.
func New(m *blip2.Model, head *ITGHead, temp float32) (*Model, error) {
	op, ok := cpu.ActOp(m.Config.QFormer.HiddenAct)
	if !ok {
		return nil, fmt.Errorf("train: Q-Former activation %q", m.Config.QFormer.HiddenAct)
	}
	return &Model{Model: m, Head: head, Temp: weights.Param{Name: "temp", Shape: []int{1}, Data: []float32{temp}}, actOp: op}, nil
}

// NewRandomITGHead is a new ITG head with LAVIS's BERT initialisation:
// N(0, 0.02²) matrices, LayerNorm 1 and 0, zero biases, drawn from seed
// (bound from an in-memory store so its tensors carry their checkpoint
// names).
func NewRandomITGHead(h, v int, eps float64, seed uint64) (*ITGHead, error) {
	st := synthetic.New(seed)
	st.Linear("cls.predictions.transform.dense", h, h, true)
	st.Norm("cls.predictions.transform.LayerNorm", h, true)
	st.Add("cls.predictions.bias", v)
	head := NewITGHead(h, v, eps)
	if err := weights.Bind(head, st, "", nil); err != nil {
		return nil, err
	}
	RandomInit(weights.Params(head), rand.New(rand.NewPCG(seed, 7)), 0.02, 0)
	return head, nil
}

// LoadITGHead binds an itg_head.safetensors.
func LoadITGHead(m *blip2.Model, src weights.Store) (*ITGHead, error) {
	q := m.Config.QFormer
	h := NewITGHead(q.HiddenSize, q.VocabSize, q.LayerNormEps)
	if err := weights.Bind(h, src, "", nil); err != nil {
		return nil, err
	}
	return h, nil
}

// visionSave is ln_vision's saved state; the ViT below it is frozen and
// keeps nothing.
type visionSave struct {
	ln         lnSave
	B, P, Dv   int
	pixelShape []int
}

// vision runs the frozen ViT on the host backend (forward only) and the
// trainable ln_vision: V (B, P, Dv).
func (m *Model) vision(pixels []float32, shape []int) ([]float32, *visionSave, error) {
	pre, err := m.vitFeatures(pixels, shape)
	if err != nil {
		return nil, nil, err
	}
	return m.lnVision(pre, shape)
}

// vitFeatures is the frozen ViT's last hidden state before ln_vision.
func (m *Model) vitFeatures(pixels []float32, shape []int) ([]float32, error) {
	return m.Vision.ReadFeatures(cpu.New(), pixels, shape...)
}

// batchVision is vision with the batch's feature cache.
func (m *Model) batchVision(b *Batch) ([]float32, *visionSave, error) {
	if b.Features == nil {
		pre, err := m.vitFeatures(b.Pixels, b.PixelShape)
		if err != nil {
			return nil, nil, err
		}
		if !b.CacheFeatures {
			return m.lnVision(pre, b.PixelShape)
		}
		b.Features = pre
	}
	return m.lnVision(b.Features, b.PixelShape)
}

func (m *Model) lnVision(pre []float32, shape []int) ([]float32, *visionSave, error) {
	s := &visionSave{B: shape[0], Dv: m.Config.Vision.HiddenSize, pixelShape: shape}
	s.P = len(pre) / (s.B * s.Dv)
	v, ln := layerNorm(&m.Vision.Post, pre, s.B*s.P)
	s.ln = ln
	return v, s, nil
}

// visionBackward accumulates ln_vision's gradients; the ViT gets none.
func (m *Model) visionBackward(g Grads, dv []float32, s *visionSave) {
	cols := s.Dv
	dg, db := make([]float32, cols), make([]float32, cols)
	cpu.LayerNormBackwardWeight(dg, db, dv, s.ln.x, s.ln.mean, s.ln.rstd, s.ln.rows, cols)
	addTo(g.Of(&m.Vision.Post.Weight), dg)
	addTo(g.Of(&m.Vision.Post.Bias), db)
}

// queryEmbeds repeats the query tokens over a batch: (B, Q, H).
func (m *Model) queryEmbeds(B int) []float32 {
	out := make([]float32, 0, B*len(m.QueryTokens.Data))
	for i := 0; i < B; i++ {
		out = append(out, m.QueryTokens.Data...)
	}
	return out
}

// queryBackward sums d(query embeds) (B, Q, H) over the batch.
func (m *Model) queryBackward(g Grads, d []float32, B int) {
	dq := g.Of(&m.QueryTokens)
	n := len(dq)
	for b := 0; b < B; b++ {
		addTo(dq, d[b*n:(b+1)*n])
	}
}

// textEmbeds is word + position (0..T−1) embeddings of ids (B, T).
func (m *Model) textEmbeds(ids [][]int) []float32 {
	H := m.Config.QFormer.HiddenSize
	w, p := flatIDs(ids)
	e := m.TextEmbed
	out := make([]float32, len(w)*H)
	pos := make([]float32, len(w)*H)
	cpu.EmbeddingForward(out, w, e.Word.Data, len(w), e.Word.Shape[0], H, 0)
	cpu.EmbeddingForward(pos, p, e.Position.Data, len(p), e.Position.Shape[0], H, 0)
	addTo(out, pos)
	return out
}

func (m *Model) textEmbedsBackward(g Grads, d []float32, ids [][]int) {
	H := m.Config.QFormer.HiddenSize
	w, p := flatIDs(ids)
	e := m.TextEmbed
	cpu.EmbeddingBackward(g.Of(&e.Word), d, w, len(w), e.Word.Shape[0], H, 0)
	cpu.EmbeddingBackward(g.Of(&e.Position), d, p, len(p), e.Position.Shape[0], H, 0)
}

func flatIDs(ids [][]int) (word, pos []uint32) {
	for _, row := range ids {
		for j, id := range row {
			word = append(word, uint32(id))
			pos = append(pos, uint32(j))
		}
	}
	return word, pos
}

// concatRows joins a (B, Ta, C) and b (B, Tb, C) along axis 1.
func concatRows(a, b []float32, B, Ta, Tb, C int) []float32 {
	out := make([]float32, B*(Ta+Tb)*C)
	cpu.CopyRowsForward(out, a, cpu.SeqRows(B, Ta, C, Ta, 0, Ta+Tb, 0))
	cpu.CopyRowsForward(out, b, cpu.SeqRows(B, Tb, C, Tb, 0, Ta+Tb, Ta))
	return out
}

// onesThen is cat(ones(n), mask[b]) per row.
func onesThen(n int, mask [][]int) [][]int {
	out := make([][]int, len(mask))
	for i, row := range mask {
		out[i] = make([]int, n, n+len(row))
		for j := range out[i] {
			out[i][j] = 1
		}
		out[i] = append(out[i], row...)
	}
	return out
}

// crossEntropy is the mean smoothed cross-entropy over the rows whose label
// is not −100, with what its backward needs.
type ceSave struct {
	logits, lse, stats []float32
	labels             []int32
	rows, cols         int
	eps                float32
}

func crossEntropy(logits []float32, labels []int32, cols int, eps float32) (float32, *ceSave) {
	rows := len(labels)
	s := &ceSave{logits: logits, labels: labels, rows: rows, cols: cols, eps: eps, lse: make([]float32, rows), stats: make([]float32, 2)}
	loss := make([]float32, rows)
	cpu.CrossEntropyForward(loss, s.lse, logits, labels, rows, cols, -100, eps)
	cpu.LossMeanForward(s.stats, loss, labels, rows, -100, 0)
	return s.stats[0], s
}

// grad is d(g·loss)/d(logits).
func (s *ceSave) grad(g float32) []float32 {
	d := make([]float32, len(s.logits))
	cpu.CrossEntropyBackward(d, s.logits, s.labels, s.lse, s.stats, s.rows, s.cols, -100, s.eps, g, 0)
	return d
}
