package train

import (
	"fmt"
	"math/rand/v2"
)

// Batch is one training batch.
type Batch struct {
	Pixels     []float32
	PixelShape []int // (B, 3, S, S)
	// Q-Former text (B, T): [CLS] first, right-padded, mask 1 = token.
	IDs, Mask [][]int
	// DecID plays [DEC], the first ITG token.
	DecID int
	// ITM negatives: the negative image of each text and the negative text
	// of each image. When nil they are drawn with Rand from the softmax of
	// the temperature-scaled ITC logits, the positive masked.
	NegImage, NegText []int
	Rand              *rand.Rand
	// Features, if set, is the frozen ViT's output (before ln_vision) for
	// these pixels; the first step fills it when CacheFeatures is set, so
	// repeated steps over the same images skip the frozen encoder.
	Features      []float32
	CacheFeatures bool
	// Stage 2: the language-model ids, mask and unshifted labels (B, T),
	// −100 for ignored targets. With T5, LMIDs and LMMask are the
	// encoder's text after the visual prompt (the prompt; zero-width for
	// none) and LMLabels (B, T') the decoder's targets, HF's labels: the
	// decoder reads them shifted right after decoder_start_token_id.
	LMIDs, LMMask, LMLabels [][]int
}

// Stage1Result holds the losses, the debugging intermediates and the
// gradients of one stage-1 step.
type Stage1Result struct {
	LossITC, LossI2T, LossT2I, LossITM, LossITG, Loss float32
	SimI2T, SimT2I                                    []float32 // (B, B), temperature-scaled
	ITMLogits                                         []float32 // (3B, 2)
	ITGLogits                                         []float32 // (B, T, Vq)
	ITGHidden                                         []float32 // (B, Q+T, H)
	NegImage, NegText                                 []int
	// Grads is d loss_stage1; with split, ITC, ITM and ITG are the parts
	// (Grads is then their sum).
	Grads         Grads
	ITC, ITM, ITG Grads
}

func (b *Batch) check() error {
	B := len(b.IDs)
	if len(b.PixelShape) != 4 || b.PixelShape[0] != B || len(b.Mask) != B || B < 2 {
		return fmt.Errorf("train: batch of %d texts, %d masks, pixels %v (need ≥ 2 pairs)", B, len(b.Mask), b.PixelShape)
	}
	for i := range b.IDs {
		if len(b.IDs[i]) != len(b.IDs[0]) || len(b.Mask[i]) != len(b.IDs[i]) {
			return fmt.Errorf("train: text row %d has %d ids and %d mask entries, want %d", i, len(b.IDs[i]), len(b.Mask[i]), len(b.IDs[0]))
		}
	}
	for _, neg := range [][]int{b.NegImage, b.NegText} {
		if neg == nil {
			continue
		}
		if len(neg) != B {
			return fmt.Errorf("train: %d negatives for %d pairs", len(neg), B)
		}
		for i, n := range neg {
			if n < 0 || n >= B {
				return fmt.Errorf("train: negative %d of pair %d is out of range", n, i)
			}
		}
	}
	return nil
}

// stage1State is the saved forward of one stage-1 step.
type stage1State struct {
	v   []float32
	vs  *visionSave
	zs  *qfPass
	itc *itcState
	itm *itmState
	itg *itgState
}

// stage1Forward computes the losses and intermediates.
func (m *Model) stage1Forward(b *Batch) (*Stage1Result, *stage1State, error) {
	if m.Head == nil || !m.Retrieval() {
		return nil, nil, fmt.Errorf("train: stage 1 needs the ITG head and a retrieval checkpoint")
	}
	if err := b.check(); err != nil {
		return nil, nil, err
	}
	B := len(b.IDs)
	r, st := &Stage1Result{}, &stage1State{}
	var err error
	st.v, st.vs, err = m.batchVision(b)
	if err != nil {
		return nil, nil, err
	}
	var z []float32
	z, st.zs = m.imagePass(st.v, st.vs)
	var li, lt float32
	st.itc, li, lt = m.itcForward(z, b.IDs, b.Mask)
	r.LossI2T, r.LossT2I, r.LossITC = li, lt, (li+lt)/2
	r.SimI2T, r.SimT2I = st.itc.i2t.logits, st.itc.t2i.logits
	r.NegImage, r.NegText = b.NegImage, b.NegText
	if r.NegImage == nil || r.NegText == nil {
		if b.Rand == nil {
			return nil, nil, fmt.Errorf("train: no ITM negatives and no sampler")
		}
		if r.NegImage, r.NegText, err = SampleNegatives(b.Rand, r.SimI2T, B); err != nil {
			return nil, nil, err
		}
	}
	st.itm, r.LossITM, r.ITMLogits = m.itmForward(st.v, st.vs, b.IDs, b.Mask, r.NegImage, r.NegText)
	st.itg, r.LossITG, r.ITGLogits, r.ITGHidden = m.itgForward(st.v, st.vs, b.IDs, b.Mask, b.DecID)
	r.Loss = r.LossITC + r.LossITM + r.LossITG
	return r, st, nil
}

// Stage1Loss runs the stage-1 forward only.
func (m *Model) Stage1Loss(b *Batch) (*Stage1Result, error) {
	r, _, err := m.stage1Forward(b)
	return r, err
}

// Stage1 runs the stage-1 forward (ITC + ITM + ITG) and backward. With
// split it also returns the gradient of each loss separately.
func (m *Model) Stage1(b *Batch, split bool) (*Stage1Result, error) {
	r, st, err := m.stage1Forward(b)
	if err != nil {
		return nil, err
	}
	r.Grads = Grads{}
	r.ITC, r.ITM, r.ITG = r.Grads, r.Grads, r.Grads
	if split {
		r.ITC, r.ITM, r.ITG = Grads{}, Grads{}, Grads{}
	}
	dvITC := m.imagePassBackward(r.ITC, m.itcBackward(r.ITC, st.itc, 1), st.zs)
	dvITM := make([]float32, len(st.v))
	m.itmBackward(r.ITM, st.itm, 1, dvITM)
	dvITG := make([]float32, len(st.v))
	m.itgBackward(r.ITG, st.itg, 1, dvITG)
	if !split {
		addTo(dvITC, dvITM)
		addTo(dvITC, dvITG)
		m.visionBackward(r.Grads, dvITC, st.vs)
		return r, nil
	}
	m.visionBackward(r.ITC, dvITC, st.vs)
	m.visionBackward(r.ITM, dvITM, st.vs)
	m.visionBackward(r.ITG, dvITG, st.vs)
	for _, g := range []Grads{r.ITC, r.ITM, r.ITG} {
		r.Grads.AddFrom(g)
	}
	return r, nil
}
