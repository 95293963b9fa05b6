//go:build !(js && wasm)

package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"blip2/model/gpu"
)

// stepProfile splits one serialised training step by kernel (see
// gpu.Device.StartProfile): each dispatch is submitted and waited for
// alone, so Kernels are device times plus one submit-and-wait each, and
// SyncMS is the cost of that submit-and-wait on a trivial kernel.
type stepProfile struct {
	// StepSeconds is the profiled step's wall time; Kernels the sum of
	// the dispatches' charges net of SyncMS; Copies the work flushed ahead
	// of dispatches (operand copies into textures, uploads); Outside the
	// rest (host work, readbacks), StepSeconds − Kernels − Copies − sync.
	StepSeconds float64        `json:"step_s"`
	SyncMS      float64        `json:"sync_ms_per_dispatch"`
	Kernels     float64        `json:"kernels_s"`
	Copies      float64        `json:"copies_s"`
	Sync        float64        `json:"sync_s"`
	Outside     float64        `json:"outside_s"`
	Families    []familyTime   `json:"families"`
	Top         []kernelCharge `json:"kernels"`
	// Unprofiled is the plain step's time, for the reader to compare.
	Unprofiled float64 `json:"unprofiled_step_s"`
}

type familyTime struct {
	Family     string  `json:"family"`
	Dispatches int     `json:"dispatches"`
	Seconds    float64 `json:"s"`
	// GFLOPS is the family's matmul work over its time (0 for the rest).
	GFLOPS float64 `json:"gflops,omitempty"`
	flops  float64
	// Share is of the kernels' total.
	Share float64 `json:"share"`
}

type kernelCharge struct {
	Kernel     string  `json:"kernel"`
	Dispatches int     `json:"dispatches"`
	Seconds    float64 `json:"s"`
	MeanMS     float64 `json:"mean_ms"`
	GFLOPS     float64 `json:"gflops,omitempty"`
}

// profileStep measures the sync cost, then runs step once with profiling on.
func profileStep(d *gpu.Device, step func() error, unprofiled float64) (*stepProfile, error) {
	sync, err := d.SyncCost(50)
	if err != nil {
		return nil, err
	}
	d.StartProfile()
	t0 := time.Now()
	err = step()
	el := time.Since(t0)
	kernels, before := d.StopProfile()
	if err != nil {
		return nil, err
	}
	p := &stepProfile{StepSeconds: el.Seconds(), SyncMS: float64(sync) / 1e6, Copies: before.Seconds(), Unprofiled: unprofiled}
	fams := map[string]*familyTime{}
	for _, k := range kernels {
		net := max(k.Seconds-float64(k.Dispatches)*sync.Seconds(), 0)
		p.Kernels += net
		p.Sync += k.Seconds - net
		p.Top = append(p.Top, kernelCharge{Kernel: k.Kernel, Dispatches: k.Dispatches, Seconds: net, MeanMS: 1e3 * net / float64(k.Dispatches), GFLOPS: gflops(k.Flops, net)})
		name := family(k.Kernel)
		f := fams[name]
		if f == nil {
			f = &familyTime{Family: name}
			fams[name] = f
		}
		f.Dispatches += k.Dispatches
		f.Seconds += net
		f.flops += k.Flops
	}
	p.Outside = p.StepSeconds - p.Kernels - p.Sync - p.Copies
	for _, f := range fams {
		if p.Kernels > 0 {
			f.Share = f.Seconds / p.Kernels
		}
		f.GFLOPS = gflops(f.flops, f.Seconds)
		p.Families = append(p.Families, *f)
	}
	sort.Slice(p.Families, func(i, j int) bool { return p.Families[i].Seconds > p.Families[j].Seconds })
	sort.Slice(p.Top, func(i, j int) bool { return p.Top[i].Seconds > p.Top[j].Seconds })
	return p, nil
}

// gflops is flops over seconds in GFLOP/s, 0 where either is.
func gflops(flops, seconds float64) float64 {
	if flops == 0 || seconds <= 0 {
		return 0
	}
	return flops / seconds / 1e9
}

// family groups kernels by what they compute: matmul_fwd_tex and
// matmul_bwd_weight are both "matmul".
func family(kernel string) string {
	name, _, _ := strings.Cut(kernel, "_")
	return name
}

// printStepProfile writes a stage's figures for a person to read.
func printStepProfile(w io.Writer, r *trainBench) {
	fmt.Fprintf(w, "\n%s, batch %d, text %d: %.2f s/step, %.2f samples/s, %d dispatches/step; first step %.1f s (pipelines included: %d precompiled in %.1f s); host recording %.3f s, waiting on readbacks %.2f s per step\n",
		r.Stage, r.Batch, r.TextLen, r.StepSeconds, r.SamplesPerSec, r.Dispatches, r.FirstStep, r.Precompiled, r.Precompile, r.Record, r.Wait)
	p := r.Profile
	if p == nil {
		return
	}
	fmt.Fprintf(w, "  profiled step %.2f s: kernels %.2f s, copies ahead of dispatches %.2f s, submit-and-wait %.2f s (%.3f ms each), outside %.2f s\n",
		p.StepSeconds, p.Kernels, p.Copies, p.Sync, p.SyncMS, p.Outside)
	for _, f := range p.Families {
		fmt.Fprintf(w, "  %-14s %5d dispatches  %7.3f s  %5.1f%%%s\n", f.Family, f.Dispatches, f.Seconds, 100*f.Share, rate(f.GFLOPS))
	}
	for i, k := range p.Top {
		if i == 12 {
			break
		}
		fmt.Fprintf(w, "    %-24s %5d × %8.3f ms = %7.3f s%s\n", k.Kernel, k.Dispatches, k.MeanMS, k.Seconds, rate(k.GFLOPS))
	}
}

// rate formats a GFLOP/s figure for a profile line, or nothing.
func rate(g float64) string {
	if g == 0 {
		return ""
	}
	return fmt.Sprintf("  %6.1f GFLOP/s", g)
}
