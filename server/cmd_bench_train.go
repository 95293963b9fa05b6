//go:build !(js && wasm)

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"blip2/model/gpu"
	"blip2/model/train"
)

// trainBench is the JSON line of `bench -train`.
type trainBench struct {
	Kind    string         `json:"kind"`
	Adapter string         `json:"adapter"`
	Config  map[string]any `json:"config"`
	GPU     stepTiming     `json:"gpu"`
	Host    stepTiming     `json:"host"`
	Speedup float64        `json:"gpu_over_host"`
}

type stepTiming struct {
	Steps          int     `json:"steps"`
	SecondsPerStep float64 `json:"s_per_step"`
	SamplesPerSec  float64 `json:"samples_per_s"`
	LastLoss       float32 `json:"last_loss"`
}

// benchTrain times full stage-1 steps (forward, backward, AdamW) of the
// checkpoint's model on toy pairs: the device step, then the host step, in
// one process on the same data. Negatives are a fixed derangement, so the
// device step reads back only its stats.
func benchTrain(ckpt, trainDir string, n int, budget time.Duration) error {
	if n < 2 || n > 8 {
		return fmt.Errorf("-batch %d: want 2..8 pairs", n)
	}
	d, err := gpu.Open(context.Background())
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(os.Stderr, "adapter: %s\n", d.Info)
	newRun := func() (*train.Model, *train.Batch, *train.AdamW, error) {
		m, _, err := train.LoadReference(ckpt, trainDir)
		if err != nil {
			return nil, nil, nil, err
		}
		S := m.Config.Vision.ImageSize
		px, ids, mask := train.ToyPairs(n, S, rand.New(rand.NewPCG(1, 2)))
		neg := make([]int, n)
		for i := range neg {
			neg[i] = (i + 1) % n
		}
		b := &train.Batch{Pixels: px, PixelShape: []int{n, 3, S, S}, IDs: ids, Mask: mask, DecID: m.Config.QFormer.VocabSize - 1,
			NegImage: neg, NegText: neg, CacheFeatures: true}
		opt := train.NewAdamW(train.Schedule{Peak: 1e-4, Min: 1e-5, WarmupStart: 1e-6, Warmup: 10, Total: 1000})
		opt.MaxNorm = 5
		return m, b, opt, nil
	}
	m, b, opt, err := newRun()
	if err != nil {
		return err
	}
	s, err := train.NewGPU(m, d, opt)
	if err != nil {
		return err
	}
	defer s.Close()
	gpuT, err := timeSteps(n, budget, func() (float32, error) {
		r, err := s.Step1(b)
		if err != nil {
			return 0, err
		}
		return r.Loss, nil
	})
	if err != nil {
		return err
	}
	m, b, opt, err = newRun()
	if err != nil {
		return err
	}
	ps := m.Stage1Params()
	hostT, err := timeSteps(n, budget, func() (float32, error) {
		r, err := m.Stage1(b, false)
		if err != nil {
			return 0, err
		}
		_, err = opt.Step(ps, r.Grads, r.Loss)
		return r.Loss, err
	})
	if err != nil {
		return err
	}
	c, q := m.Config, m.Config.QFormer
	params := 0
	for _, p := range ps {
		params += len(p.Data)
	}
	out := trainBench{Kind: "train_step", Adapter: d.Info.String(),
		Config: map[string]any{"stage": 1, "losses": "itc+itm+itg", "checkpoint": ckpt, "batch": n,
			"image_size": c.Vision.ImageSize, "vision_hidden": c.Vision.HiddenSize, "queries": c.NumQueryTokens,
			"qformer_hidden": q.HiddenSize, "qformer_layers": q.NumHiddenLayers, "heads": q.NumAttentionHeads,
			"text_len": len(b.IDs[0]), "vocab": q.VocabSize, "trained_params": params, "vit_features_cached": true,
			"attention": train.GPUAttentionPath(q.HiddenSize / q.NumAttentionHeads)},
		GPU: gpuT, Host: hostT, Speedup: gpuT.SamplesPerSec / hostT.SamplesPerSec}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// timeSteps runs one warm-up step, then steps until budget is spent.
func timeSteps(n int, budget time.Duration, step func() (float32, error)) (stepTiming, error) {
	if _, err := step(); err != nil {
		return stepTiming{}, err
	}
	var t stepTiming
	start := time.Now()
	for t.Steps == 0 || time.Since(start) < budget {
		loss, err := step()
		if err != nil {
			return t, err
		}
		t.LastLoss = loss
		t.Steps++
	}
	el := time.Since(start).Seconds()
	t.SecondsPerStep = el / float64(t.Steps)
	t.SamplesPerSec = float64(n*t.Steps) / el
	return t, nil
}
