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
	"blip2/model/weights"
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

// run is one stage's run whose options, data and model passed every check.
type run struct {
	out, from string // the run folder; the checkpoint the model came from
	o         Options
	resume    bool
	pairs     []Pair
	m         *train.Model
	st        *State
	start     int // the step the loop starts at
	tok       *tokenizer.WordPiece
}

// prepare does what every stage does first: reads the options (a resumed
// run's saved ones), the train split, the model (a resumed run's latest
// checkpoint) and the Q-Former tokenizer, and checks them against each
// other. Nothing is written yet.
func prepare(out string, o Options, resume bool) (*run, error) {
	r := &run{out: out, o: o, resume: resume}
	ckpt := ""
	if resume {
		saved, dir, err := resumeRun(out)
		if err != nil {
			return nil, err
		}
		if saved.Stage != o.Stage && o.Stage != "" {
			return nil, fmt.Errorf("trainer: %s is a %s run, not %s", out, saved.Stage, o.Stage)
		}
		r.o, ckpt = saved, dir
	} else if err := refuseRun(out); err != nil {
		return nil, err
	}
	if err := r.o.check(); err != nil {
		return nil, err
	}
	var err error
	if r.pairs, err = LoadPairs(r.o.Data, "train"); err != nil {
		return nil, err
	}
	r.from = r.o.Init
	if ckpt != "" {
		r.from = ckpt
	}
	if r.m, r.st, err = LoadModel(r.from, r.o.Seed); err != nil {
		return nil, err
	}
	if ckpt != "" {
		if r.st == nil || len(r.st.Moments) == 0 {
			return nil, fmt.Errorf("trainer: %s has no optimizer state to resume from", ckpt)
		}
		r.start = r.st.Step
	}
	if r.tok, err = tokenizer.LoadWordPiece(r.o.Init); err != nil {
		return nil, fmt.Errorf("trainer: the Q-Former tokenizer of %s: %w", r.o.Init, err)
	}
	if err := r.o.fits(r.m.Config, r.tok.VocabSize(), len(r.pairs)); err != nil {
		return nil, fmt.Errorf("%w (config %s)", err, filepath.Join(r.o.Init, "config.json"))
	}
	return r, nil
}

// begin turns a new run's folder into a run (every check has passed).
func (r *run) begin() error {
	if r.resume {
		return nil
	}
	return startRun(r.out, r.o)
}

// stage is what differs between stages inside the shared loop.
type stage struct {
	title  string
	params []*weights.Param
	// step builds the batch of the 0-based step and runs it.
	step func(s *train.GPUStepper, step int) (map[string]float32, error)
	// final prepares the model for publishing as out/model, with the
	// run's stepper (its weights are the host model's, just synced).
	final func(s *train.GPUStepper) error
	// files, when set, is a folder whose files every checkpoint carries
	// besides the init's (a tokenizer the stage made).
	files string
}

// loop trains st.params from r.start to r.o.Steps: AdamW on the device,
// a checkpoint every SaveEvery steps and when ctx ends, a log line and a
// progress line per step, then the final model and the loss curves.
func (r *run) loop(ctx context.Context, d *gpu.Device, st stage, w io.Writer) (*Summary, error) {
	if w == nil {
		w = io.Discard
	}
	o, out := r.o, r.out
	opt := train.NewAdamW(train.Schedule{Peak: o.LR, Min: o.MinLR, WarmupStart: o.WarmupLR, Warmup: o.Warmup, Total: o.Steps})
	opt.WeightDecay, opt.MaxNorm = o.WeightDecay, o.MaxNorm
	s, err := train.NewGPU(r.m, d, opt)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if r.start > 0 {
		opt.SetSteps(r.start)
		if err := s.SetMoments(st.params, r.st.Moments); err != nil {
			return nil, fmt.Errorf("%s: %w", r.from, err)
		}
	}
	logf, recs, err := openLog(logFile(out), r.start)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	save := func(step int) error {
		if err := s.Sync(); err != nil {
			return err
		}
		mv, err := s.Moments()
		if err != nil {
			return err
		}
		name := fmt.Sprintf("step-%06d", step)
		if err := SaveCheckpoint(filepath.Join(ckptRoot(out), name), o.Init, r.m, &State{Step: step, Moments: mv}, st.files); err != nil {
			return err
		}
		return markLatest(out, name, 2)
	}
	// Compile every kernel before the first step, two at a time where the
	// adapter compiles at first dispatch (lavapipe): a fresh machine's
	// first step otherwise waits on them one after another.
	if took, n, err := s.Precompile(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		fmt.Fprintf(w, "%s: %d kernels compiled ahead of the first step in %.1f s\n", o.Stage, n, took.Seconds())
	}
	t0 := time.Now()
	for step := r.start; step < o.Steps; step++ {
		if ctx.Err() != nil {
			if step > r.start {
				if err := save(step); err != nil {
					return nil, err
				}
			}
			return nil, fmt.Errorf("trainer: stopped at step %d (checkpointed; -resume %s continues): %w", step, out, ctx.Err())
		}
		ts := time.Now()
		lr := opt.Schedule.LR(step)
		losses, err := st.step(s, step)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", err, resumeHint(out))
		}
		rec := Record{Step: step + 1, LR: lr, GradNorm: s.GradNorm(), Temp: s.Temp(), Samples: float64(o.Batch) / time.Since(ts).Seconds(),
			Elapsed: time.Since(t0).Seconds(), Losses: losses}
		if err := appendLog(logf, rec); err != nil {
			return nil, err
		}
		recs = append(recs, rec)
		done := step + 1 - r.start
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
	if st.final != nil {
		if err := st.final(s); err != nil {
			return nil, err
		}
	}
	if err := SaveCheckpoint(FinalModel(out), o.Init, r.m, nil, st.files); err != nil {
		return nil, err
	}
	sum := &Summary{Steps: o.Steps, Model: FinalModel(out)}
	if len(recs) > 0 {
		sum.FirstLoss, sum.LastLoss = recs[0].Losses["loss"], recs[len(recs)-1].Losses["loss"]
		if err := PlotLosses(recs, st.title, CurvesFile(out), max(1, len(recs)/50)); err != nil {
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
