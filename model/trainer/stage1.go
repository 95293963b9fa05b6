package trainer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"blip2/model/gpu"
	"blip2/model/tokenizer"
	"blip2/model/train"
)

// afterStep, when set (by tests), runs after each logged step.
var afterStep func(step int)

// Summary is what a finished run reports.
type Summary struct {
	Steps     int
	FirstLoss float32
	LastLoss  float32
	Model     string // the final checkpoint folder
}

// RunStage1 trains the Q-Former with ITC, ITM and ITG on the train split
// of o.Data, starting from o.Init (resume: from out's latest checkpoint
// with out's saved options). It checkpoints every o.SaveEvery steps and
// when ctx ends, logs every step to out/log.jsonl, prints a progress line
// on w and, at the end, writes the final model to out/model and the loss
// curves to out/loss.png.
func RunStage1(ctx context.Context, d *gpu.Device, out string, o Options, resume bool, w io.Writer) (*Summary, error) {
	if w == nil {
		w = io.Discard
	}
	ckpt := "" // the run's latest checkpoint, when resuming one that has one
	if resume {
		saved, dir, err := resumeRun(out)
		if err != nil {
			return nil, err
		}
		o, ckpt = saved, dir
	} else if err := refuseRun(out); err != nil {
		return nil, err
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	pairs, err := LoadPairs(o.Data, "train")
	if err != nil {
		return nil, err
	}
	from := o.Init
	if ckpt != "" {
		from = ckpt
	}
	m, st, err := LoadModel(from, o.Seed)
	if err != nil {
		return nil, err
	}
	start := 0
	if ckpt != "" {
		if st == nil || len(st.Moments) == 0 {
			return nil, fmt.Errorf("trainer: %s has no optimizer state to resume from", ckpt)
		}
		start = st.Step
	}
	tok, err := tokenizer.LoadWordPiece(o.Init)
	if err != nil {
		return nil, fmt.Errorf("trainer: the Q-Former tokenizer of %s: %w", o.Init, err)
	}
	decID := tok.AddSpecial("[DEC]")
	c := m.Config
	if err := o.fits(c, tok.VocabSize(), len(pairs)); err != nil {
		return nil, fmt.Errorf("%w (config %s)", err, filepath.Join(o.Init, "config.json"))
	}
	if !resume { // every check passed: the folder becomes a run
		if err := startRun(out, o); err != nil {
			return nil, err
		}
	}
	feats, err := ComputeFeatures(d, m.Model, o.Data, pairs, 32, featureFile(out), w)
	if err != nil {
		return nil, err
	}
	opt := train.NewAdamW(train.Schedule{Peak: o.LR, Min: o.MinLR, WarmupStart: o.WarmupLR, Warmup: o.Warmup, Total: o.Steps})
	opt.WeightDecay, opt.MaxNorm = o.WeightDecay, o.MaxNorm
	s, err := train.NewGPU(m, d, opt)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	params := m.Stage1Params()
	if start > 0 {
		opt.SetSteps(start)
		if err := s.SetMoments(params, st.Moments); err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
	}
	logf, recs, err := openLog(logFile(out), start)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	ord := newOrder(o.Seed, len(pairs), o.Batch)
	save := func(step int) error {
		if err := s.Sync(); err != nil {
			return err
		}
		mv, err := s.Moments()
		if err != nil {
			return err
		}
		name := fmt.Sprintf("step-%06d", step)
		if err := SaveCheckpoint(filepath.Join(ckptRoot(out), name), o.Init, m, &State{Step: step, Moments: mv}); err != nil {
			return err
		}
		return markLatest(out, name, 2)
	}
	sum := &Summary{Steps: o.Steps, Model: FinalModel(out)}
	t0 := time.Now()
	for step := start; step < o.Steps; step++ {
		if ctx.Err() != nil {
			if step > start {
				if err := save(step); err != nil {
					return nil, err
				}
			}
			return nil, fmt.Errorf("trainer: stopped at step %d (checkpointed; -resume %s continues): %w", step, out, ctx.Err())
		}
		b := stage1Batch(ord, step, pairs, feats, tok, o.TextLen, c.Vision.ImageSize, decID, o.Canonical)
		ts := time.Now()
		lr := opt.Schedule.LR(step)
		r, err := s.Step1(b)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", err, resumeHint(out))
		}
		dt := time.Since(ts).Seconds()
		rec := Record{Step: step + 1, LR: lr, GradNorm: s.GradNorm(), Temp: s.Temp(), Samples: float64(o.Batch) / dt,
			Elapsed: time.Since(t0).Seconds(), Losses: map[string]float32{"loss": r.Loss, "itc": r.LossITC, "itm": r.LossITM, "itg": r.LossITG}}
		if err := appendLog(logf, rec); err != nil {
			return nil, err
		}
		recs = append(recs, rec)
		done := step + 1 - start
		fmt.Fprintf(w, "\r%s ", progressLine(o.Stage, rec, o.Steps, time.Since(t0).Seconds()/float64(done)*float64(o.Steps-step-1)))
		if afterStep != nil {
			afterStep(step + 1)
		}
		if (step+1)%o.SaveEvery == 0 && step+1 < o.Steps {
			if err := save(step + 1); err != nil {
				return nil, err
			}
		}
	}
	fmt.Fprintln(w)
	if err := save(o.Steps); err != nil {
		return nil, err
	}
	if err := SaveCheckpoint(FinalModel(out), o.Init, m, nil); err != nil {
		return nil, err
	}
	if len(recs) > 0 {
		sum.FirstLoss, sum.LastLoss = recs[0].Losses["loss"], recs[len(recs)-1].Losses["loss"]
		if err := PlotLosses(recs, "stage 1: ITC + ITM + ITG", CurvesFile(out), max(1, len(recs)/50)); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// resumeHint says where a stopped run can continue from.
func resumeHint(out string) string {
	name, err := os.ReadFile(latestFile(out))
	if err != nil {
		return "no checkpoint was written yet"
	}
	return fmt.Sprintf("the last checkpoint is %s; -resume %s continues from it", filepath.Join(ckptRoot(out), strings.TrimSpace(string(name))), out)
}
