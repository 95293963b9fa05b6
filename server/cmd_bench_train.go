//go:build !(js && wasm)

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"blip2/model/config"
	"blip2/model/gpu"
	"blip2/model/train"
	"blip2/model/trainer"
)

// trainBenchOptions are the flags of `bench -train`.
type trainBenchOptions struct {
	checkpoint string
	stages     []string
	batch      int     // 0: each stage's training default
	textLen    int     // 0: each stage's training default
	fill       float64 // share of each caption's text positions that hold tokens
	steps      int     // timed steps after the first
	profile    bool
}

// trainBench is the JSON line of `bench -train`, one per stage.
type trainBench struct {
	Kind       string         `json:"kind"`
	Stage      string         `json:"stage"`
	Adapter    string         `json:"adapter"`
	Checkpoint string         `json:"checkpoint"`
	Config     map[string]any `json:"config"`
	Batch      int            `json:"batch"`
	TextLen    int            `json:"text_len"`
	Fill       float64        `json:"fill"`
	// FirstStep includes compiling every pipeline the step uses:
	// Precompile of them ahead of it (train.GPUStepper.Precompile, where
	// the adapter compiles at first dispatch), the rest at first use.
	FirstStep     float64 `json:"first_step_s"`
	Precompile    float64 `json:"precompile_s"`
	Precompiled   int     `json:"precompiled_kernels"`
	Steps         int     `json:"steps"`
	StepSeconds   float64 `json:"s_per_step"`
	SamplesPerSec float64 `json:"samples_per_s"`
	Dispatches    int     `json:"dispatches_per_step"`
	// Record is host time spent recording dispatches; Wait is host time
	// blocked on readbacks (the step's losses and statistics).
	Record  float64      `json:"record_s_per_step"`
	Wait    float64      `json:"wait_s_per_step"`
	Profile *stepProfile `json:"profile,omitempty"`
	Loss    float32      `json:"last_loss"`
}

// benchTrain times full training steps (forward, backward, clipped AdamW)
// of each stage on a model of the checkpoint's configuration with random
// weights and random batches of the stages' training shapes: cost does not
// depend on the values, but on how much of each caption is padding (the
// heads run on the labelled positions alone), which o.fill sets. The
// checkpoint is a Hugging Face folder or the
// streaming format; only its config is read.
func benchTrain(o trainBenchOptions, out io.Writer) error {
	cfg, err := benchConfig(o.checkpoint)
	if err != nil {
		return err
	}
	d, err := gpu.Open(context.Background())
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(os.Stderr, "adapter: %s\n", d.Info)
	enc := json.NewEncoder(out)
	for _, stage := range o.stages {
		r, err := benchStage(d, cfg, stage, o)
		if err != nil {
			return fmt.Errorf("%s: %w", stage, err)
		}
		r.Checkpoint, r.Adapter = o.checkpoint, d.Info.String()
		printStepProfile(os.Stderr, r)
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// benchConfig reads config.json, or the config inside a streaming
// manifest.
func benchConfig(dir string) (*config.Blip2Config, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		m, merr := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if merr != nil {
			return nil, fmt.Errorf("%s: neither config.json nor a streaming manifest.json: %w", dir, err)
		}
		var man struct {
			Config json.RawMessage `json:"config"`
		}
		if err := json.Unmarshal(m, &man); err != nil || len(man.Config) == 0 {
			return nil, fmt.Errorf("%s/manifest.json: no config in it (%v)", dir, err)
		}
		raw = man.Config
	}
	return config.Parse(raw)
}

// benchStage runs one warm-up step, o.steps timed steps and, with
// o.profile, one profiled step.
func benchStage(d *gpu.Device, cfg *config.Blip2Config, stage string, o trainBenchOptions) (*trainBench, error) {
	def, err := stageDefaults(stage)
	if err != nil {
		return nil, err
	}
	B, T := def.Batch, def.TextLen
	if o.batch > 0 {
		B = o.batch
	}
	if o.textLen > 0 {
		T = o.textLen
	}
	m, err := trainer.RandomModel(cfg, 1)
	if err != nil {
		return nil, err
	}
	step, params, err := stageStep(m, stage, B, T, o.fill)
	if err != nil {
		return nil, err
	}
	opt := train.NewAdamW(train.Schedule{Peak: def.LR, Min: def.MinLR, WarmupStart: def.WarmupLR, Warmup: def.Warmup, Total: def.Steps})
	opt.MaxNorm = def.MaxNorm
	s, err := train.NewGPU(m, d, opt)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	r := &trainBench{Kind: "train_step", Stage: stage, Batch: B, TextLen: T, Fill: o.fill, Config: benchSizes(cfg, params)}
	t0 := time.Now()
	pc, kernels, err := s.Precompile(context.Background())
	if err != nil {
		return nil, err
	}
	r.Precompile, r.Precompiled = pc.Seconds(), kernels
	if _, err := step(s); err != nil {
		return nil, err
	}
	r.FirstStep = time.Since(t0).Seconds()
	c0 := d.Counters()
	t0 = time.Now()
	for i := 0; i < max(o.steps, 1); i++ {
		if r.Loss, err = step(s); err != nil {
			return nil, err
		}
		r.Steps++
	}
	el := time.Since(t0).Seconds()
	c := d.Counters().Sub(c0)
	n := float64(r.Steps)
	r.StepSeconds, r.SamplesPerSec = el/n, float64(B)*n/el
	r.Dispatches = int(float64(c.Total())/n + 0.5)
	r.Record, r.Wait = c.Record.Seconds()/n, c.Wait.Seconds()/n
	if o.profile {
		if r.Profile, err = profileStep(d, func() error { _, err := step(s); return err }, r.StepSeconds); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func stageDefaults(stage string) (trainer.Options, error) {
	switch stage {
	case "stage0-vision":
		return trainer.Stage0VisionDefaults(), nil
	case "stage0-lm":
		return trainer.Stage0LMDefaults(), nil
	case "stage1":
		return trainer.Stage1Defaults(), nil
	case "stage2":
		return trainer.Stage2Defaults(), nil
	}
	return trainer.Options{}, fmt.Errorf("unknown stage %q (stage0-vision, stage0-lm, stage1, stage2)", stage)
}

// stageStep is the stage's device step on a fixed random batch of B
// samples, T text positions of which the first fill·T (at least 2) hold
// tokens, and the parameters it trains.
func stageStep(m *train.Model, stage string, B, T int, fill float64) (func(*train.GPUStepper) (float32, error), int, error) {
	c, rng := m.Config, rand.New(rand.NewPCG(1, 2))
	S, Hv := c.Vision.ImageSize, c.Vision.HiddenSize
	P := c.Vision.NumPositions()
	normals := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	n := min(T, max(2, int(math.Round(fill*float64(T)))))
	tokens := func(vocab int) (ids, mask [][]int) {
		for range B {
			row, ones := make([]int, T), make([]int, T)
			for j := range row[:n] {
				row[j], ones[j] = 1+rng.IntN(vocab-2), 1
			}
			ids, mask = append(ids, row), append(mask, ones)
		}
		return ids, mask
	}
	b := &train.Batch{PixelShape: []int{B, 3, S, S}, Rand: rng}
	switch stage {
	case "stage0-vision":
		b.Pixels = normals(B * 3 * S * S)
		b.IDs, b.Mask = tokens(c.QFormer.VocabSize)
		return stepOf(b, (*train.GPUStepper).Step0, func(r *train.Stage0Result) float32 { return r.Loss }), len(m.Stage0Params()), nil
	case "stage1":
		b.Features = normals(B * P * Hv)
		b.IDs, b.Mask = tokens(c.QFormer.VocabSize)
		b.DecID = c.QFormer.VocabSize - 1
		return stepOf(b, (*train.GPUStepper).Step1, func(r *train.Stage1Result) float32 { return r.Loss }), len(m.Stage1Params()), nil
	}
	if m.OPT == nil {
		return nil, 0, fmt.Errorf("the checkpoint has no OPT-layout language model")
	}
	b.LMIDs, b.LMMask = tokens(m.OPT.Embed.Shape[0])
	if stage == "stage0-lm" {
		return stepOf(b, (*train.GPUStepper).StepLM, func(r *train.LMResult) float32 { return r.Loss }), len(m.LMParams()), nil
	}
	b.Features = normals(B * P * Hv)
	for _, row := range b.LMIDs {
		labels := append([]int{-100}, row[1:]...)
		for j := n; j < T; j++ {
			labels[j] = -100
		}
		b.LMLabels = append(b.LMLabels, labels)
	}
	return stepOf(b, (*train.GPUStepper).Step2, func(r *train.Stage2Result) float32 { return r.Loss }), len(m.Stage2Params()), nil
}

// stepOf is a stage's device step on batch b, reduced to its total loss.
func stepOf[R any](b *train.Batch, step func(*train.GPUStepper, *train.Batch) (*R, error), loss func(*R) float32) func(*train.GPUStepper) (float32, error) {
	return func(s *train.GPUStepper) (float32, error) {
		r, err := step(s, b)
		if err != nil {
			return 0, err
		}
		return loss(r), nil
	}
}

func benchSizes(c *config.Blip2Config, params int) map[string]any {
	out := map[string]any{"image_size": c.Vision.ImageSize, "patch": c.Vision.PatchSize,
		"vision":  fmt.Sprintf("%d×%d", c.Vision.HiddenSize, c.Vision.NumHiddenLayers),
		"qformer": fmt.Sprintf("%d×%d", c.QFormer.HiddenSize, c.QFormer.NumHiddenLayers),
		"queries": c.NumQueryTokens, "qformer_vocab": c.QFormer.VocabSize, "trained_tensors": params}
	if c.OPT != nil {
		out["lm"] = fmt.Sprintf("%d×%d", c.OPT.HiddenSize, c.OPT.NumHiddenLayers)
		out["lm_vocab"] = c.OPT.VocabSize
	}
	return out
}

// parseStages is the -stage flag: one stage or "all".
func parseStages(s string) []string {
	if s == "all" {
		return []string{"stage0-vision", "stage0-lm", "stage1", "stage2"}
	}
	return strings.Split(s, ",")
}
