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
	// PromptInCaption says the prompt is the caption's first words (a
	// caption prefix, app.PrefixBank) rather than a question: with an OPT
	// model, each returned row holds the prompt's tokens (its bos and left
	// padding dropped) between the start token and the new tokens, and the
	// guide scores the prompt and the new tokens together; the repetition
	// penalty counts the prompt's words too (the caption "an icon of an
	// icon of an arrow" repeats itself).
	PromptInCaption bool
	lead            [][]int // with PromptInCaption, each image's prompt words
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
	o.lead = nil
	if o.PromptInCaption && m.OPT != nil && prompt != nil {
		o.lead = captionLead(prompt, mask, intOr(m.OPT.cfg.BOSTokenID, 2))
		if o.Guide != nil {
			o.Guide = leadGuide{o.Guide, o.lead}
		}
	}
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
	var g *Generated
	var err error
	if beams {
		g, err = beamSearch(st, batch, start, eos, pad, o)
	} else {
		g, err = sampleOrGreedy(st, batch, start, eos, pad, o)
	}
	if err == nil && o.lead != nil {
		for i, ids := range g.IDs {
			g.IDs[i] = append(append([]int{ids[0]}, o.lead[i]...), ids[1:]...)
		}
	}
	return g, err
}

// inCaption is what the caption of image i holds so far: its prompt words
// with PromptInCaption, then the new tokens.
func (o GenerateOptions) inCaption(i int, tokens []int) []int {
	if o.lead == nil {
		return tokens
	}
	return append(append([]int(nil), o.lead[i]...), tokens...)
}

// captionLead is each prompt row's tokens under its mask, the bos dropped.
func captionLead(prompt, mask [][]int, bos int) [][]int {
	out := make([][]int, len(prompt))
	for i, row := range prompt {
		out[i] = []int{}
		for j, t := range row {
			if mask[i][j] != 0 && !(len(out[i]) == 0 && t == bos) {
				out[i] = append(out[i], t)
			}
		}
	}
	return out
}

// leadGuide scores a row's candidates after the row's prompt words: whole
// captions, as ITC saw them in training.
type leadGuide struct {
	g    Guide
	lead [][]int
}

func (l leadGuide) Score(row int, cands [][]int) ([]float32, error) {
	full := make([][]int, len(cands))
	for i, c := range cands {
		full[i] = append(append([]int(nil), l.lead[row]...), c...)
	}
	return l.g.Score(row, full)
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
