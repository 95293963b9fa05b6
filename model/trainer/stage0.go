package trainer

import (
	"context"
	"fmt"
	goimage "image"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"blip2/model/gpu"
	"blip2/model/train"
	"blip2/model/weights"
)

// Stage0VisionDefaults are CLIP's recipe (AdamW β (0.9, 0.98), cosine
// schedule after a linear warmup, weight decay, gradient clipping) at the
// scale a 2-core machine trains in one sitting.
func Stage0VisionDefaults() Options {
	return Options{Stage: "stage0-vision", Steps: 560, Batch: 64, TextLen: 24, LR: 5e-4, MinLR: 1e-5, WarmupLR: 1e-6,
		Warmup: 50, WeightDecay: 0.1, MaxNorm: 1, Seed: 1, SaveEvery: 25, Canonical: 0.5}
}

// RunStage0Vision trains the image encoder and the BERT-layout text tower
// CLIP-style on augmented views of the train split (see augment.go), from
// o.Init, with RunStage1's run folder, checkpoints, resume and logs. The
// final model's Q-Former starts stage 1: its query feed-forward is copied
// from the trained text feed-forward, as LAVIS initialises it from BERT's,
// and temp is back at ITC's 0.07.
func RunStage0Vision(ctx context.Context, d *gpu.Device, out string, o Options, resume bool, w io.Writer) (*Summary, error) {
	r, err := prepare(out, o, resume)
	if err != nil {
		return nil, err
	}
	m, c := r.m, r.m.Config
	if err := checkImages(r.o.Data, r.pairs); err != nil {
		return nil, err
	}
	if m.Dual, err = LoadDualHead(r.from, m); err != nil {
		return nil, err
	}
	if m.Dual == nil {
		m.Dual = train.NewDualHead(c.Vision.HiddenSize, c.ImageTextHiddenSize)
		train.RandomInit(weights.Params(m.Dual), rand.New(rand.NewPCG(r.o.Seed, 11)), 0.02, 0)
	}
	if err := r.begin(); err != nil {
		return nil, err
	}
	view, err := viewFunc(r.o.Data, r.o.Augment, c.Vision.ImageSize)
	if err != nil {
		return nil, err
	}
	ord := newOrder(r.o.Seed, len(r.pairs), r.o.Batch)
	load := func(step int) (*train.Batch, error) {
		return stage0Batch(ord, step, r.pairs, r.o, c.Vision.ImageSize, view, r.tok.EncodePadded)
	}
	pf := newPrefetch(ctx, r.start, r.o.Steps, load)
	defer pf.stop()
	return r.loop(ctx, d, stage{
		title:  "stage 0: image–text contrastive (ViT + text tower)",
		params: m.Stage0Params(),
		step: func(s *train.GPUStepper, step int) (map[string]float32, error) {
			b, err := pf.get(step)
			if err != nil {
				return nil, err
			}
			res, err := s.Step0(b)
			if err != nil {
				return nil, err
			}
			return map[string]float32{"loss": res.Loss, "i2t": res.LossI2T, "t2i": res.LossT2I}, nil
		},
		final: func(*train.GPUStepper) error {
			for i := range m.QFormer.Layers {
				l := &m.QFormer.Layers[i]
				copy(l.QueryUp.Weight.Data, l.TextUp.Weight.Data)
				copy(l.QueryUp.Bias.Data, l.TextUp.Bias.Data)
				copy(l.QueryDown.Weight.Data, l.TextDown.Weight.Data)
				copy(l.QueryDown.Bias.Data, l.TextDown.Bias.Data)
				copy(l.QueryNorm.Weight.Data, l.TextNorm.Weight.Data)
				copy(l.QueryNorm.Bias.Data, l.TextNorm.Bias.Data)
			}
			m.Temp.Data[0] = 0.07
			return nil
		},
	}, w)
}

// stage0Batch is the batch of a step: one augmented view and one caption
// per pair, each drawn from the step's own random streams.
func stage0Batch(o *order, step int, pairs []Pair, opt Options, size int,
	view func(Pair, *rand.Rand) ([]float32, error), encode func(string, int) ([]int, []int)) (*train.Batch, error) {
	idx := o.indices(step)
	caps, aug := stepRand(o.seed, step, 0), stepRand(o.seed, step, 2)
	b := &train.Batch{PixelShape: []int{len(idx), 3, size, size}}
	for _, i := range idx {
		px, err := view(pairs[i], aug)
		if err != nil {
			return nil, err
		}
		b.Pixels = append(b.Pixels, px...)
		ids, mask := encode(chooseCaption(caps, pairs[i].Captions, opt.Canonical), opt.TextLen)
		b.IDs, b.Mask = append(b.IDs, ids), append(b.Mask, mask)
	}
	return b, nil
}

// checkImages reads the header of every image a run will decode, so a
// file that is not an image stops the run before it starts.
func checkImages(dataDir string, pairs []Pair) error {
	for _, p := range pairs {
		f, err := os.Open(filepath.Join(dataDir, p.Master))
		if err != nil {
			return fmt.Errorf("trainer: %s: %w", p.ID, err)
		}
		_, _, err = goimage.DecodeConfig(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("trainer: manifest entry %s: %s is not a decodable image: %w", p.ID, p.Master, err)
		}
	}
	return nil
}
