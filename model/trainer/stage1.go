package trainer

import (
	"context"
	"io"
	"math/rand/v2"

	"blip2/model/gpu"
	"blip2/model/train"
)

// RunStage1 trains the Q-Former with ITC, ITM and ITG on the train split
// of o.Data, starting from o.Init (resume: from out's latest checkpoint
// with out's saved options). It checkpoints every o.SaveEvery steps and
// when ctx ends, logs every step to out/log.jsonl, prints a progress line
// on w and, at the end, writes the final model to out/model and the loss
// curves to out/loss.png.
func RunStage1(ctx context.Context, d *gpu.Device, out string, o Options, resume bool, w io.Writer) (*Summary, error) {
	r, err := prepare(out, o, resume)
	if err != nil {
		return nil, err
	}
	if err := r.begin(); err != nil {
		return nil, err
	}
	if r.start == 0 && r.o.CrossInit > 0 {
		// A run killed before its first checkpoint redraws the same.
		r.m.ReinitCrossAttention(rand.New(rand.NewPCG(r.o.Seed, 11)), r.o.CrossInit)
	}
	decID := r.tok.AddSpecial("[DEC]")
	c := r.m.Config
	feats, err := ComputeFeatures(d, r.m.Model, r.o.Data, r.pairs, 32, r.o.featurePath(out), w)
	if err != nil {
		return nil, err
	}
	ord := newOrder(r.o.Seed, len(r.pairs), r.o.Batch)
	return r.loop(ctx, d, stage{
		title:  "stage 1: ITC + ITM + ITG",
		params: r.m.Stage1Params(),
		step: func(s *train.GPUStepper, step int) (map[string]float32, error) {
			b := stage1Batch(ord, step, r.pairs, feats, r.tok, r.o.TextLen, c.Vision.ImageSize, decID, r.o.Canonical)
			res, err := s.Step1(b)
			if err != nil {
				return nil, err
			}
			return map[string]float32{"loss": res.Loss, "itc": res.LossITC, "itm": res.LossITM, "itg": res.LossITG}, nil
		},
	}, w)
}
