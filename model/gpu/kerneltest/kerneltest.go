// Package kerneltest is the parity suite: every WGSL kernel against its
// pure-Go twin in model/cpu, on random and edge shapes. It is an ordinary
// package, not a _test file, so the same table runs natively under
// `go test` (naga + lavapipe or a real GPU) and compiled to wasm in headless
// Chromium (Tint + SwiftShader), where wasm/kerneltest drives it.
package kerneltest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"blip2/model/gpu"
)

// Case is one kernel on one shape. Run computes the kernel's output on the
// device and the twin's on the host; the check is
// |got-want| ≤ Atol + Rtol·|want| elementwise.
type Case struct {
	Kernels []string // the WGSL files the case exercises
	Shape   string   // a short description of the sizes
	Atol    float64
	Rtol    float64
	// Browser marks the cases small enough for SwiftShader, which is ~20×
	// slower than lavapipe; every kernel needs at least one.
	Browser bool
	Run     func(d *gpu.Device, rng *rand.Rand) (got, want []float32, err error)
}

// Result is the outcome of one case.
type Result struct {
	Case    *Case
	MaxDiff float64
	Bad     int
	Err     error
	Elapsed time.Duration
	Detail  string // first mismatches
}

// OK reports whether the case passed.
func (r Result) OK() bool { return r.Err == nil && r.Bad == 0 }

func (r Result) String() string {
	status := "PASS"
	if !r.OK() {
		status = "FAIL"
	}
	s := fmt.Sprintf("%s %-28s %-34s maxdiff %.3g (atol %.0e rtol %.0e) %v",
		status, strings.Join(r.Case.Kernels, "+"), r.Case.Shape, r.MaxDiff, r.Case.Atol, r.Case.Rtol, r.Elapsed.Round(time.Millisecond))
	if r.Err != nil {
		s += "\n    error: " + r.Err.Error()
	}
	if r.Detail != "" {
		s += "\n    " + r.Detail
	}
	return s
}

var cases []*Case

// register adds cases; each op's file calls it from init.
func register(cs ...Case) {
	for i := range cs {
		c := cs[i]
		cases = append(cases, &c)
	}
}

// Cases returns every case, browser-sized ones only if browserOnly.
func Cases(browserOnly bool) []*Case {
	var out []*Case
	for _, c := range cases {
		if !browserOnly || c.Browser {
			out = append(out, c)
		}
	}
	return out
}

// Covered lists the kernels the given cases exercise.
func Covered(cs []*Case) []string {
	seen := map[string]bool{}
	for _, c := range cs {
		for _, k := range c.Kernels {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Run executes one case with a fixed seed, so failures reproduce.
func Run(d *gpu.Device, c *Case) Result {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	got, want, err := c.Run(d, rng)
	if kept := d.Recover(); err == nil {
		err = kept // a failure is this case's; the next case starts clean
	}
	r := Result{Case: c, Err: err, Elapsed: time.Since(start)}
	if err == nil {
		r.MaxDiff, r.Bad, r.Detail = compare(got, want, c.Atol, c.Rtol)
	}
	return r
}

// compare applies the tolerance elementwise. Entries where want is ±Inf
// (masked scores) must match exactly.
func compare(got, want []float32, atol, rtol float64) (maxDiff float64, bad int, detail string) {
	if len(got) != len(want) {
		return math.Inf(1), 1, fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	var msgs []string
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		var diff float64
		switch {
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			if g != w {
				diff = math.Inf(1)
			}
		case math.IsNaN(g) || math.IsNaN(w):
			diff = math.Inf(1)
		default:
			diff = math.Abs(g - w)
		}
		maxDiff = max(maxDiff, diff)
		if diff > atol+rtol*math.Abs(w) {
			bad++
			if len(msgs) < 5 {
				msgs = append(msgs, fmt.Sprintf("[%d] got %g want %g", i, g, w))
			}
		}
	}
	if bad > 0 {
		detail = fmt.Sprintf("%d of %d off: %s", bad, len(want), strings.Join(msgs, ", "))
	}
	return
}

// randn fills n normal values with standard deviation s.
func randn(rng *rand.Rand, n int, s float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64()) * s
	}
	return out
}

func ctxBackground() context.Context { return context.Background() }

func newRand() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }
