package kerneltest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"blip2/model/gpu"
)

// Bench is one kernel on one shape, timed on the device and, in the same run,
// through its pure-Go twin. Setup uploads inputs and returns the function to
// time (it records one launch; the harness flushes and waits) and a cleanup.
type Bench struct {
	Kernel string
	Shape  string
	Flops  float64 // floating-point operations per launch, 0 if memory-bound
	Bytes  float64 // bytes moved per launch, for memory-bound kernels
	Setup  func(d *gpu.Device, rng *rand.Rand) (launch func(), cleanup func())
	// Twin runs the pure-Go reference once on the same sizes.
	Twin func(rng *rand.Rand) func()
}

// Timing is a measured Bench, as `server bench` prints it (one JSON object
// per kernel and shape).
type Timing struct {
	Kernel     string  `json:"kernel"`
	Shape      string  `json:"shape"`
	Adapter    string  `json:"adapter"`
	MS         float64 `json:"ms"`
	GFLOPS     float64 `json:"gflops,omitempty"`
	GBPS       float64 `json:"gbps,omitempty"`
	TwinMS     float64 `json:"twin_ms"`
	TwinGFLOPS float64 `json:"twin_gflops,omitempty"`
	TwinGBPS   float64 `json:"twin_gbps,omitempty"`
	Speedup    float64 `json:"speedup_vs_twin"`
}

var benches []*Bench

const launchesPerWait = 8

func registerBench(bs ...Bench) {
	for i := range bs {
		b := bs[i]
		benches = append(benches, &b)
	}
}

// Benches returns every registered benchmark.
func Benches() []*Bench { return benches }

// Measure times b on d: one warm-up launch (pipeline compilation), then batches
// of launches for about `budget`; the figure is time per launch. The twin is timed the same way.
func Measure(d *gpu.Device, b *Bench, budget time.Duration) (Timing, error) {
	rng := rand.New(rand.NewPCG(3, 4))
	launch, cleanup := b.Setup(d, rng)
	defer cleanup()
	// Launches are batched between waits so the fixed cost of a submit and
	// readback (about 8 ms on lavapipe) does not swamp small kernels; a
	// kernel slower than that needs no batching.
	start := time.Now()
	launch()
	if err := d.Wait(ctxBackground()); err != nil {
		return Timing{}, fmt.Errorf("%s %s: %w", b.Kernel, b.Shape, err)
	}
	batch := launchesPerWait
	if time.Since(start) > 50*time.Millisecond {
		batch = 1
	}
	per, err := timeLoop(budget, func() error {
		for i := 0; i < batch; i++ {
			launch()
		}
		return d.Wait(ctxBackground())
	})
	per /= time.Duration(batch)
	if err != nil {
		return Timing{}, fmt.Errorf("%s %s: %w", b.Kernel, b.Shape, err)
	}
	twin := b.Twin(rng)
	twinPer, _ := timeLoop(budget, func() error { twin(); return nil })
	t := Timing{Kernel: b.Kernel, Shape: b.Shape, Adapter: d.Info.String(), MS: ms(per), TwinMS: ms(twinPer)}
	if b.Flops > 0 {
		t.GFLOPS = b.Flops / per.Seconds() / 1e9
		t.TwinGFLOPS = b.Flops / twinPer.Seconds() / 1e9
	}
	if b.Bytes > 0 {
		t.GBPS = b.Bytes / per.Seconds() / 1e9
		t.TwinGBPS = b.Bytes / twinPer.Seconds() / 1e9
	}
	t.Speedup = twinPer.Seconds() / per.Seconds()
	return t, nil
}

// timeLoop runs f once to warm up, then repeatedly for about budget (at
// least twice), and returns the mean time per run.
func timeLoop(budget time.Duration, f func() error) (time.Duration, error) {
	if err := f(); err != nil {
		return 0, err
	}
	n, start := 0, time.Now()
	for n < 2 || time.Since(start) < budget {
		if err := f(); err != nil {
			return 0, err
		}
		n++
	}
	return time.Since(start) / time.Duration(n), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
