package train

import (
	"fmt"

	"blip2/model/cpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// Stage 0 trains the image encoder CLIP-style against a BERT-layout text
// tower: the Q-Former's text path on its own (embeddings, self-attention,
// the text feed-forward, text_projection), which then initialises the
// Q-Former as BERT-base does in BLIP-2. The image side is the ViT's
// post-LN CLS token through DualHead's visual projection.

// clipSmoothing is the label smoothing of the stage-0 contrastive loss,
// ITC's: near-duplicate captions within a batch (the same emoji drawn by
// two icon sets) make one-hot targets wrong as often as not.
const clipSmoothing = 0.1

// DualHead is what stage 0 adds to a BLIP-2 checkpoint: the projection of
// the ViT's CLS token into the joint space (CLIP's visual_projection).
type DualHead struct {
	VisualProj nn.Linear `w:"visual_projection"`
}

// NewDualHead is a zero head for ViT width dv and joint width e, its
// tensors named as in the checkpoint (binding overwrites them).
func NewDualHead(dv, e int) *DualHead {
	l := nn.NewLinear(dv, e)
	l.Weight.Name, l.Weight.Data = "visual_projection.weight", make([]float32, dv*e)
	l.Bias.Name, l.Bias.Data = "visual_projection.bias", make([]float32, e)
	return &DualHead{VisualProj: l}
}

// Stage0Params are the parameters stage 0 trains, sorted by name: the whole
// ViT, the visual projection, the text tower and temp.
func (m *Model) Stage0Params() []*weights.Param {
	ps := append(vitParams(m.Vision), &m.Temp)
	ps = append(ps, collectParams(&m.Dual.VisualProj)...)
	ps = append(ps, textTowerParams(m)...)
	return sortParams(ps)
}

func textTowerParams(m *Model) []*weights.Param {
	qf := m.QFormer
	ps := collectParams(&qf.Norm)
	for i := range qf.Layers {
		l := &qf.Layers[i]
		for _, part := range []any{&l.Attention, l.TextUp, l.TextDown, l.TextNorm} {
			ps = append(ps, collectParams(part)...)
		}
	}
	for _, part := range []any{m.TextEmbed, m.TextProj} {
		ps = append(ps, collectParams(part)...)
	}
	return ps
}

// Stage0Result is one stage-0 step.
type Stage0Result struct {
	Loss, LossI2T, LossT2I float32
	Logits                 []float32 // (B, B) image × text, temperature-scaled
	Grads                  Grads
}

type stage0State struct {
	vit             *vitPass
	B, E, H, T      int
	cls, imgP, imgF []float32
	tcls, txtP      []float32
	txtF, sim       []float32
	text            *qfPass
	i2t, t2i        *ceSave
}

// Stage0Loss runs the stage-0 forward only.
func (m *Model) Stage0Loss(b *Batch) (*Stage0Result, error) {
	r, _, err := m.stage0Forward(b)
	return r, err
}

// Stage0 runs the symmetric contrastive loss between images and texts and
// its full backward (no stop-gradient: both directions train both towers).
func (m *Model) Stage0(b *Batch) (*Stage0Result, error) {
	r, s, err := m.stage0Forward(b)
	if err != nil {
		return nil, err
	}
	g := Grads{}
	r.Grads = g
	B, E, H, T := s.B, s.E, s.H, s.T
	gi := s.i2t.grad(0.5)
	gtT := s.t2i.grad(0.5)
	gsum := make([]float32, B*B)
	cpu.Transpose2DForward(gsum, gtT, B, B)
	addTo(gsum, gi)
	temp := float64(m.Temp.Data[0])
	var dtemp float64
	dsim := make([]float32, B*B)
	for i, v := range s.sim {
		dtemp -= float64(gsum[i]) * float64(v) / (temp * temp)
		dsim[i] = float32(float64(gsum[i]) / temp)
	}
	g.Of(&m.Temp)[0] += float32(dtemp)
	dImgF, dTxtF := make([]float32, B*E), make([]float32, B*E)
	matmulNN(dImgF, dsim, s.txtF, B, B, E)
	matmulTN(dTxtF, dsim, s.imgF, B, B, E)
	dImgP, dTxtP := make([]float32, B*E), make([]float32, B*E)
	cpu.L2NormBackward(dImgP, dImgF, s.imgP, B, E, l2eps)
	cpu.L2NormBackward(dTxtP, dTxtF, s.txtP, B, E, l2eps)
	m.vitBackward(g, linearBackward(g, &m.Dual.VisualProj, dImgP, s.cls, B, true), s.vit)
	dh := make([]float32, B*T*H)
	putRows(dh, linearBackward(g, m.TextProj, dTxtP, s.tcls, B, true), B, T, H, 0, 1)
	demb, _ := m.qformerBackward(g, dh, s.text)
	m.textEmbedsBackward(g, demb, b.IDs)
	return r, nil
}

func (m *Model) stage0Forward(b *Batch) (*Stage0Result, *stage0State, error) {
	if m.Dual == nil || !m.Retrieval() {
		return nil, nil, fmt.Errorf("train: stage 0 needs the dual-encoder head and a retrieval checkpoint")
	}
	if err := b.check(); err != nil {
		return nil, nil, err
	}
	c := m.Config
	B := len(b.IDs)
	s := &stage0State{B: B, E: c.ImageTextHiddenSize, H: c.QFormer.HiddenSize, T: len(b.IDs[0])}
	s.cls, s.vit = m.vitForward(b.Pixels, b.PixelShape)
	s.imgP = linear(&m.Dual.VisualProj, s.cls, B)
	s.imgF = make([]float32, len(s.imgP))
	cpu.L2NormForward(s.imgF, s.imgP, B, s.E, l2eps)
	s.text = &qfPass{B: B, T: s.T, mode: cpu.MaskNone, bias: keyBias(b.Mask)}
	ht := m.qformerForward(m.textEmbeds(b.IDs), s.text)
	s.tcls = takeRows(ht, B, s.T, s.H, 0, 1)
	s.txtP = linear(m.TextProj, s.tcls, B)
	s.txtF = make([]float32, len(s.txtP))
	cpu.L2NormForward(s.txtF, s.txtP, B, s.E, l2eps)
	s.sim = make([]float32, B*B)
	matmulNT(s.sim, s.imgF, s.txtF, nil, B, s.E, B)
	temp := m.Temp.Data[0]
	i2t, t2i := make([]float32, B*B), make([]float32, B*B)
	for i, v := range s.sim {
		i2t[i] = v / temp
	}
	cpu.Transpose2DForward(t2i, i2t, B, B)
	r := &Stage0Result{Logits: i2t}
	r.LossI2T, s.i2t = crossEntropy(i2t, diagLabels(B), B, clipSmoothing)
	r.LossT2I, s.t2i = crossEntropy(t2i, diagLabels(B), B, clipSmoothing)
	r.Loss = (r.LossI2T + r.LossT2I) / 2
	return r, s, nil
}
