package trainer

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"blip2/model/gpu"
	"blip2/model/tokenizer"
	"blip2/model/train"
)

// Stage2Defaults are blip2-spec §10.2's stage-2 hyper-parameters (as
// stage 1's, with the same cosine) at a step count a 2-core machine gets
// through.
func Stage2Defaults() Options {
	return Options{Stage: "stage2", Steps: 600, Batch: 32, TextLen: 24, LR: 1e-4, MinLR: 1e-5, WarmupLR: 1e-6,
		Warmup: 50, WeightDecay: 0.05, MaxNorm: 0, Seed: 1, SaveEvery: 25, Canonical: 0.5}
}

// RunStage2 trains the query path, language_projection and ln_vision so
// that the frozen language model of o.Init captions the image from the
// query outputs (the soft visual prompt). With an OPT-layout model each
// target is </s> [prompt] caption </s>: the language model's BOS, the
// optional prompt (no loss on it), and the end-of-sequence token
// generation stops on. With a T5-layout model (Flan-T5's tokenizer files
// beside it) the prompt and </s> follow the visual prompt into the
// encoder and the decoder's target is caption </s>. The run folder,
// checkpoints, resume and logs are stage 1's.
func RunStage2(ctx context.Context, d *gpu.Device, out string, o Options, resume bool, w io.Writer) (*Summary, error) {
	r, err := prepare(out, o, resume)
	if err != nil {
		return nil, err
	}
	m := r.m
	m.FreezeQFormer = r.o.FreezeQFormer
	if m.LangProj == nil {
		return nil, fmt.Errorf("trainer: %s has no language_projection", r.from)
	}
	target, err := stage2Targets(m, r.o.Init, r.o.Prompt, r.o.TextLen)
	if err != nil {
		return nil, err
	}
	if err := r.begin(); err != nil {
		return nil, err
	}
	var files string
	if m.OPT != nil {
		dir := filepath.Join(out, "caption-prefixes")
		if ok, err := WriteCaptionPrefixes(dir, r.pairs); err != nil {
			return nil, err
		} else if ok {
			files = dir
		}
	}
	c := m.Config
	feats, err := ComputeFeatures(d, m.Model, r.o.Data, r.pairs, 32, r.o.featurePath(out), w)
	if err != nil {
		return nil, err
	}
	ord := newOrder(r.o.Seed, len(r.pairs), r.o.Batch)
	captions := func(step int) *train.Batch {
		idx := ord.indices(step)
		rng := stepRand(r.o.Seed, step, 0)
		b := &train.Batch{Features: feats.Of(idx), PixelShape: []int{len(idx), 3, c.Vision.ImageSize, c.Vision.ImageSize}}
		for _, i := range idx {
			ids, mask, labels := target(chooseCaption(rng, r.pairs[i].Captions, r.o.Canonical))
			b.LMIDs, b.LMMask, b.LMLabels = append(b.LMIDs, ids), append(b.LMMask, mask), append(b.LMLabels, labels)
		}
		return b
	}
	if r.o.KeepStage1 {
		decID := r.tok.AddSpecial("[DEC]")
		return r.loop(ctx, d, stage{
			title:  "stage 2 with stage 1's losses: captioning, ITC, ITM and ITG",
			files:  files,
			params: m.JointParams(),
			step: func(s *train.GPUStepper, step int) (map[string]float32, error) {
				b1 := stage1Batch(ord, step, r.pairs, feats, r.tok, r.o.TextLen, c.Vision.ImageSize, decID, r.o.Canonical)
				r1, r2, err := s.StepJoint(b1, captions(step), 1)
				if err != nil {
					return nil, err
				}
				return map[string]float32{"loss": r1.Loss + r2.Loss, "caption": r2.Loss, "itc": r1.LossITC, "itm": r1.LossITM, "itg": r1.LossITG}, nil
			},
		}, w)
	}
	return r.loop(ctx, d, stage{
		title:  "stage 2: captioning through the frozen language model",
		files:  files,
		params: m.Stage2Params(),
		step: func(s *train.GPUStepper, step int) (map[string]float32, error) {
			res, err := s.Step2(captions(step))
			if err != nil {
				return nil, err
			}
			return map[string]float32{"loss": res.Loss}, nil
		},
	}, w)
}

// stage2Targets returns the function that makes one caption's stage-2
// row (ids, mask, labels) for the language model of dir.
func stage2Targets(m *train.Model, dir, prompt string, n int) (func(caption string) (ids, mask, labels []int), error) {
	if m.T5 != nil {
		tok, err := tokenizer.LoadT5(dir)
		if err != nil {
			return nil, fmt.Errorf("trainer: the T5 tokenizer in %s: %w", dir, err)
		}
		if v := tok.VocabSize(); v > m.T5.Shared.Shape[0] {
			return nil, fmt.Errorf("trainer: the T5 tokenizer has %d tokens, its embedding %d", v, m.T5.Shared.Shape[0])
		}
		var enc []int
		if prompt != "" {
			enc = tok.Encode(prompt)
		}
		return func(caption string) (ids, mask, labels []int) {
			return t5Target(tok.Encode(caption), enc, n)
		}, nil
	}
	lm, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	if err != nil {
		return nil, fmt.Errorf("trainer: the language model's tokenizer in %s (train it with stage0-lm): %w", dir, err)
	}
	if lm.VocabSize() > m.OPT.Embed.Shape[0] {
		return nil, fmt.Errorf("trainer: the language model's tokenizer has %d tokens, its embedding %d", lm.VocabSize(), m.OPT.Embed.Shape[0])
	}
	p := lm.Encode(prompt)[1:] // without the BOS Encode adds
	return func(caption string) (ids, mask, labels []int) { return train.CaptionTarget(lm, p, caption, n) }, nil
}

// t5Target is one T5 stage-2 row: the encoder's text (the prompt with its
// </s>, all real) and the decoder's labels, the caption cut to n − 1
// tokens so that its </s> always stays, padded with −100.
func t5Target(caption, prompt []int, n int) (ids, mask, labels []int) {
	ids, mask = append([]int(nil), prompt...), make([]int, len(prompt))
	for i := range mask {
		mask[i] = 1
	}
	if len(caption) > n {
		caption = append(caption[:n-1:n-1], caption[len(caption)-1])
	}
	labels = make([]int, n)
	for i := range labels {
		labels[i] = -100
		if i < len(caption) {
			labels[i] = caption[i]
		}
	}
	return ids, mask, labels
}
