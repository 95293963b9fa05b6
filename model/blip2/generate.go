package blip2

import (
	"fmt"
	"time"

	"blip2/model/nn"
)

// GenerateOptions are the decoding settings. The budget counts new tokens
// only (max_new_tokens), whatever the prompt length.
type GenerateOptions struct {
	MaxNewTokens int
	MinNewTokens int // eos is suppressed before this many new tokens
	// NumBeams > 1 selects beam search; TopP < 1 or Temperature > 0 with
	// Sample selects nucleus sampling; otherwise greedy.
	NumBeams          int
	LengthPenalty     float64 // beam scores divided by length^LengthPenalty
	RepetitionPenalty float64 // > 1 discourages tokens already generated
	Sample            bool
	TopP              float64
	Temperature       float64
	Seed              uint64
	// Guide, with beam search, picks the finished beam with the largest
	// score + GuideWeight·guide score instead of the best-scored one
	// (pickHypothesis); greedy decoding and sampling ignore it.
	Guide       Guide
	GuideWeight float64
	// Times, when set, receives the time of each stage; the device is
	// waited for between them, so set it only where the split is shown.
	Times *StageTimes
}

// StageTimes is where one Generate call's time went.
type StageTimes struct {
	ImageEncoder, QFormer, LanguageModel time.Duration
}

// Generated is the output of a decoding run: per row, the sequence as
// Hugging Face's generate returns it for BLIP-2 (OPT: bos then the new
// tokens; T5: decoder_start then the new tokens; pad after eos), and the
// raw logits of every step (steps, B, V).
type Generated struct {
	IDs    [][]int
	Scores [][][]float32
}

// stepper is one language model seen by the decoding loop: it returns the
// last position's logits (B, V) for the tokens fed so far.
type stepper interface {
	// first runs the prompt; next feeds one new token per row.
	first() ([][]float32, error)
	next(tokens []int) ([][]float32, error)
	// reorder keeps cache row rows[i] as row i (beam search).
	reorder(rows []int)
	release()
}

// Generate decodes from images (pixel values (B, 3, S, S)) and an optional
// prompt (ids and mask (B, T); nil for none).
func (m *Model) Generate(b nn.Backend, pixels nn.Tensor, prompt, mask [][]int, o GenerateOptions) (*Generated, error) {
	if m.LangProj == nil {
		return nil, fmt.Errorf("blip2: this checkpoint has no language model (a retrieval checkpoint captions nothing)")
	}
	if o.MaxNewTokens <= 0 {
		return nil, fmt.Errorf("blip2: MaxNewTokens must be positive")
	}
	batch := pixels.Shape()[0]
	proj := m.timedVisualPrompt(b, pixels, o.Times)
	if o.Times != nil {
		defer func(start time.Time) { o.Times.LanguageModel = time.Since(start) }(time.Now())
	}
	defer func() { b.Free(proj) }()
	beams := o.NumBeams > 1
	if beams { // beam j of image i is row i·k+j from here on
		rows := make([]int, batch*o.NumBeams)
		for i := range rows {
			rows[i] = i / o.NumBeams
		}
		p := b.Select(proj, rows)
		b.Free(proj)
		proj = p
		if prompt != nil {
			prompt, mask = pickRows(prompt, rows), pickRows(mask, rows)
		}
	}
	n := proj.Shape()[0]
	var st stepper
	var start, eos, pad int
	switch {
	case m.OPT != nil:
		c := m.OPT.cfg
		bos := intOr(c.BOSTokenID, 2)
		start, eos, pad = bos, intOr(c.EOSTokenID, 2), intOr(c.PadTokenID, 1)
		if prompt == nil {
			prompt, mask = constRows(n, bos), ones(n, 1)
		}
		st = &optStepper{b: b, m: m.OPT, proj: proj, prompt: prompt, mask: mask}
	case m.T5 != nil:
		c := m.T5.cfg
		start, eos, pad = intOr(c.DecoderStartTokenID, 0), intOr(c.EOSTokenID, 1), intOr(c.PadTokenID, 0)
		if prompt == nil {
			prompt, mask = make([][]int, n), make([][]int, n)
		}
		st = &t5Stepper{b: b, m: m.T5, proj: proj, prompt: prompt, mask: mask, start: start}
	}
	defer st.release()
	if beams {
		return beamSearch(st, batch, start, eos, pad, o)
	}
	return sampleOrGreedy(st, batch, start, eos, pad, o)
}

// VisualPrompt is language_projection(Q-Former(ViT(pixels))): (B, Q, d_lm).
func (m *Model) VisualPrompt(b nn.Backend, pixels nn.Tensor) nn.Tensor {
	return m.timedVisualPrompt(b, pixels, nil)
}

// timedVisualPrompt is VisualPrompt; with t it reads a result back after
// the image encoder and after the Q-Former, so that each stage's time is
// its own (the reads wait for the device; an error surfaces at the
// caller's next read).
func (m *Model) timedVisualPrompt(b nn.Backend, pixels nn.Tensor, t *StageTimes) nn.Tensor {
	start := time.Now()
	vh, img := m.Vision.Forward(b, pixels)
	b.Free(vh...)
	if t != nil {
		b.Read(img)
		t.ImageEncoder = time.Since(start)
		start = time.Now()
	}
	qh := m.QueryOutput(b, img)
	b.Free(img)
	z := qh[len(qh)-1]
	b.Free(qh[:len(qh)-1]...)
	p := m.LangProj.Forward(b, z)
	b.Free(z)
	if t != nil {
		b.Read(p)
		t.QFormer = time.Since(start)
	}
	return p
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func constRows(batch, v int) [][]int {
	out := make([][]int, batch)
	for i := range out {
		out[i] = []int{v}
	}
	return out
}

// readRows reads (B, T, V) logits and returns the last position's rows.
func readLast(b nn.Backend, logits nn.Tensor) ([][]float32, error) {
	batch, t, v := nn.Dims(logits)
	data, err := b.Read(logits)
	b.Free(logits)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, batch)
	for i := range out {
		out[i] = data[(i*t+t-1)*v : (i*t+t)*v]
	}
	return out, nil
}
