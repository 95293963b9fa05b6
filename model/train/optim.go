package train

import (
	"fmt"
	"math"
	"strings"

	"blip2/model/cpu"
	"blip2/model/weights"
)

// Schedule is a linear warmup from WarmupStart to Peak over Warmup steps,
// then a per-step cosine from Peak to Min at step Total (blip2-spec §10.1:
// peak 1e-4, min 5e-5 in stage 2, 2k warmup steps).
type Schedule struct {
	Peak, Min, WarmupStart float64
	Warmup, Total          int
}

// LR is the learning rate of the 0-based step.
func (s Schedule) LR(step int) float64 {
	if step < s.Warmup {
		return s.WarmupStart + (s.Peak-s.WarmupStart)*float64(step)/float64(s.Warmup)
	}
	if s.Total <= s.Warmup {
		return s.Peak
	}
	f := math.Min(1, float64(step-s.Warmup)/float64(s.Total-s.Warmup))
	return s.Min + (s.Peak-s.Min)*0.5*(1+math.Cos(math.Pi*f))
}

// Decays reports whether a parameter gets weight decay: LAVIS's grouping
// since 2023-07 (blip2-spec §10.2, §14.22) exempts 1-D tensors and biases;
// query_tokens and the 0-D temp (stored here with shape [1]) do decay.
func Decays(p *weights.Param) bool {
	if p.Name == "temp" {
		return true
	}
	return len(p.Shape) > 1 && !strings.HasSuffix(p.Name, ".bias")
}

// AdamW is PyTorch's AdamW over named parameters with global-norm clipping
// and a learning-rate schedule, on the twins of adamw_step, sumsq_fwd,
// clipscale_fwd and finitecheck_fwd.
type AdamW struct {
	Schedule     Schedule
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
	MaxNorm      float64 // ≤ 0: no clipping

	step int
	m, v map[string][]float32
}

// NewAdamW returns the stage-1 defaults of the paper: β = (0.9, 0.98),
// eps 1e-8, weight decay 0.05, clipping off.
func NewAdamW(s Schedule) *AdamW {
	return &AdamW{Schedule: s, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, WeightDecay: 0.05}
}

// Steps is the number of updates taken.
func (o *AdamW) Steps() int { return o.step }

// Step updates params from g. A non-finite loss or gradient stops the step
// before any parameter changes, with an error naming the tensor and the
// step. It returns the gradient norm before clipping.
func (o *AdamW) Step(params []*weights.Param, g Grads, loss float32) (float32, error) {
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return 0, fmt.Errorf("train: step %d: the loss is %v", o.step+1, loss)
	}
	partials := make([]float32, len(params))
	flags := []float32{0}
	for i, p := range params {
		d, ok := g[p.Name]
		if !ok {
			continue
		}
		cpu.FiniteCheckForward(flags, d, len(d), 0)
		if flags[0] != 0 {
			return 0, fmt.Errorf("train: step %d: the gradient of %s is not finite", o.step+1, p.Name)
		}
		cpu.SumSqForward(partials, d, len(d), i, 1)
	}
	stats := make([]float32, 3)
	cpu.ClipScaleForward(stats, partials, len(partials), 0, float32(o.MaxNorm))
	if o.m == nil {
		o.m, o.v = map[string][]float32{}, map[string][]float32{}
	}
	lr := o.Schedule.LR(o.step)
	o.step++
	for _, p := range params {
		d, ok := g[p.Name]
		if !ok {
			continue // no gradient this step: PyTorch skips the parameter
		}
		if o.m[p.Name] == nil {
			o.m[p.Name], o.v[p.Name] = make([]float32, len(p.Data)), make([]float32, len(p.Data))
		}
		wd := 0.0
		if Decays(p) {
			wd = o.WeightDecay
		}
		decay, omb1, omb2, stepSize, bc2 := cpu.AdamWConstants(lr, wd, o.Beta1, o.Beta2, o.step)
		cpu.AdamWStep(p.Data, o.m[p.Name], o.v[p.Name], d, stats, len(d), 0, decay, float32(o.Beta1), omb1, float32(o.Beta2), omb2, stepSize, bc2, float32(o.Eps))
	}
	return stats[2], nil
}
