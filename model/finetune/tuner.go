package finetune

import (
	"fmt"
	"math/rand/v2"
	"time"

	"blip2/model/blip2"
	"blip2/model/gpu"
	"blip2/model/tokenizer"
	"blip2/model/train"
	"blip2/model/weights"
)

// Options are a session's hyper-parameters.
type Options struct {
	Steps int     // steps; each is one stage-1 and one stage-2 update
	Batch int     // pairs per step, at most the training pairs
	LR    float64 // peak learning rate, after a short warmup, cosine to a tenth
	Seed  uint64
}

// DefaultOptions suit a few dozen pairs and a few minutes: 60 steps of 8
// pairs at 5e-4. On 20 playing cards (docs/finetune.md) 40 steps at 1e-4
// moved the held-out ranks by noise only; 5e-4 is between stage 1's 3e-4
// and stage 2's 1e-3.
func DefaultOptions() Options { return Options{Steps: 60, Batch: 8, LR: 5e-4, Seed: 1} }

// Losses are one step's loss terms.
type Losses struct {
	Step              int // 1-based
	ITC, ITM, ITG, LM float32
	Seconds           float64 // the step's wall time
}

// Tuner is one fine-tuning session on a loaded model. The model's weights
// change only in Apply (and back in Reset): until then captions and
// search keep the base model, even if a step fails half-way.
type Tuner struct {
	m       *train.Model
	be      *gpu.Backend // where the model's inference runs
	qtok    *tokenizer.WordPiece
	decID   int
	textLen int
	target  func(caption string) (ids, mask, labels []int)
	o       Options

	train, held []*example
	Skipped     []Skipped

	s    *train.GPUStepper
	base Base
	step int
}

// New prepares a session: it checks and splits the pairs, runs the frozen
// image encoder once per image on be (where m runs), and readies a device
// training step. head and temp are the model's ITG head and ITC
// temperature; qtok is the Q-Former's tokenizer ([DEC] is added if it is
// not there) and lmtok the language model's (OPT layout).
func New(m *blip2.Model, head *train.ITGHead, temp float32, be *gpu.Backend, qtok *tokenizer.WordPiece, lmtok train.Encoder, pairs []Pair, o Options) (*Tuner, error) {
	if m.OPT == nil || m.LangProj == nil || !m.Retrieval() {
		return nil, fmt.Errorf("finetune: the model needs ITC/ITM heads and an OPT-layout language model")
	}
	if o.Steps <= 0 || o.Batch < 2 || o.LR <= 0 {
		return nil, fmt.Errorf("finetune: steps %d, batch %d, learning rate %g: want positive, at least 2 and positive", o.Steps, o.Batch, o.LR)
	}
	tm, err := train.New(m, head, temp)
	if err != nil {
		return nil, err
	}
	dec, ok := qtok.ID("[DEC]")
	if !ok {
		dec = qtok.AddSpecial("[DEC]")
	}
	if dec >= m.Config.QFormer.VocabSize {
		return nil, fmt.Errorf("finetune: [DEC] is token %d, past the Q-Former's %d embeddings", dec, m.Config.QFormer.VocabSize)
	}
	lmLen := min(m.Config.OPT.MaxPositionEmbeddings-m.Config.NumQueryTokens, 32)
	t := &Tuner{m: tm, be: be, qtok: qtok, decID: dec, textLen: m.Config.QFormer.MaxPositionEmbeddings, o: o,
		target: func(c string) (ids, mask, labels []int) { return train.CaptionTarget(lmtok, nil, c, lmLen) }}
	all, skipped := t.check(pairs)
	t.Skipped = skipped
	if len(all) < 2 {
		return nil, &TooFewPairs{Usable: len(all), Skipped: skipped}
	}
	t.train, t.held = split(all, o.Seed)
	if err := t.features(all); err != nil {
		return nil, err
	}
	t.base = Base{}
	t.base.Keep(t.Params()...)
	opt := train.NewAdamW(train.Schedule{Peak: o.LR, Min: o.LR / 10, WarmupStart: o.LR / 10, Warmup: min(5, o.Steps), Total: 2 * o.Steps})
	opt.MaxNorm = 1
	if t.s, err = train.NewGPU(tm, be.D, opt); err != nil {
		return nil, err
	}
	return t, nil
}

// TooFewPairs is New's error when fewer than two pairs are usable (ITC
// and ITM need another pair to contrast with); Skipped says why the rest
// were left out.
type TooFewPairs struct {
	Usable  int
	Skipped []Skipped
}

func (e *TooFewPairs) Error() string {
	return fmt.Sprintf("%d usable pairs (%d skipped); at least 2 are needed", e.Usable, len(e.Skipped))
}

// Counts are the pairs in training and held out.
func (t *Tuner) Counts() (trained, held int) { return len(t.train), len(t.held) }

// DeviceBytes is what the session holds on the device between steps
// (train.GPUStepper.DeviceBytes), besides the model's own weights.
func (t *Tuner) DeviceBytes() int64 { return t.s.DeviceBytes() }

// Steps is how many steps have run.
func (t *Tuner) Steps() int { return t.step }

// Params are what a session trains: stage 1's and stage 2's tensors.
func (t *Tuner) Params() []*weights.Param {
	seen := map[*weights.Param]bool{}
	var out []*weights.Param
	for _, p := range append(t.m.Stage1Params(), t.m.Stage2Params()...) {
		if !seen[p] {
			seen[p], out = true, append(out, p)
		}
	}
	return out
}

// features runs the frozen encoder over every example, 16 images a pass.
func (t *Tuner) features(all []*example) error {
	S := t.m.Config.Vision.ImageSize
	for lo := 0; lo < len(all); lo += 16 {
		hi := min(lo+16, len(all))
		var px []float32
		for _, e := range all[lo:hi] {
			px = append(px, e.pixels...)
		}
		out, err := t.m.Vision.ReadFeatures(t.be, px, hi-lo, 3, S, S)
		if err != nil {
			return fmt.Errorf("finetune: image features: %w", err)
		}
		per := len(out) / (hi - lo)
		for i, e := range all[lo:hi] {
			e.feats = out[i*per : (i+1)*per]
		}
	}
	return nil
}

// Step runs one stage-1 and one stage-2 update on a batch drawn from the
// training pairs.
func (t *Tuner) Step() (Losses, error) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(t.o.Seed, uint64(t.step)))
	n := min(t.o.Batch, len(t.train))
	S := t.m.Config.Vision.ImageSize
	b1 := &train.Batch{PixelShape: []int{n, 3, S, S}, DecID: t.decID, Rand: rand.New(rand.NewPCG(t.o.Seed, uint64(t.step)+1<<32))}
	b2 := &train.Batch{PixelShape: b1.PixelShape}
	for _, i := range rng.Perm(len(t.train))[:n] {
		e := t.train[i]
		b1.Features = append(b1.Features, e.feats...)
		b1.IDs, b1.Mask = append(b1.IDs, e.ids), append(b1.Mask, e.mask)
		b2.LMIDs, b2.LMMask, b2.LMLabels = append(b2.LMIDs, e.lmIDs), append(b2.LMMask, e.lmMask), append(b2.LMLabels, e.lmLabels)
	}
	b2.Features = b1.Features
	r1, err := t.s.Step1(b1)
	if err != nil {
		return Losses{}, err
	}
	r2, err := t.s.Step2(b2)
	if err != nil {
		return Losses{}, err
	}
	t.step++
	return Losses{Step: t.step, ITC: r1.LossITC, ITM: r1.LossITM, ITG: r1.LossITG, LM: r2.Loss, Seconds: time.Since(start).Seconds()}, nil
}

// Apply puts the tuned weights into the model, so that its captions and
// search (on the backend New was given) use them from now on.
func (t *Tuner) Apply() error {
	if err := t.s.Sync(); err != nil {
		return err
	}
	t.be.Forget(t.Params()...)
	return nil
}

// Reset puts the base model's weights back.
func (t *Tuner) Reset() {
	for p, v := range t.base {
		copy(p.Data, v)
	}
	t.be.Forget(t.Params()...)
}

// Close releases the session's device memory (the model keeps whichever
// weights it has: Apply's or the base's).
func (t *Tuner) Close() { t.s.Close() }
