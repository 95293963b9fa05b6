package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

var actNames = []string{"relu", "gelu", "gelu_tanh", "quickgelu", "erf"}

// actGrid is a dense grid over [-10, 10] (step 1/512), tiny magnitudes down
// to the smallest normal f32, large ones up to 3e38, and ±0: where erf
// approximations break (the switch between formulas at |u| = 1,
// cancellation in 1 + erf for negative x, overflow of x², x³ and exp).
// Subnormals are left out: WGSL lets an implementation flush them to zero,
// and SwiftShader does.
func actGrid() []float32 {
	var xs []float32
	for i := -5120; i <= 5120; i++ {
		xs = append(xs, float32(i)/512)
	}
	for e := -37.75; e <= 38.5; e += 0.25 { // 10^-37.75 is above the smallest normal, 1.18e-38
		v := float32(math.Pow(10, e))
		xs = append(xs, v, -v)
	}
	return append(xs, 0, float32(math.Copysign(0, -1)), 0.70710677, -0.70710677, 1.4142135, -1.4142135)
}

// actTol is |Δ| ≤ atol + rtol·|want| per activation: the erf approximation
// costs ≤ 1.5e-7 absolute (A&S 7.1.26 for |u| ≥ 1), plus a few ulp.
var actTol = [][2]float64{
	cpu.ActReLU:      {0, 0},
	cpu.ActGELU:      {4e-7, 4e-7},
	cpu.ActGELUTanh:  {1e-7, 4e-7},
	cpu.ActQuickGELU: {1e-7, 4e-7},
	cpu.ActErf:       {2.5e-7, 0},
}

var actBwdTol = [][2]float64{
	cpu.ActReLU:      {0, 0},
	cpu.ActGELU:      {4e-7, 4e-7},
	cpu.ActGELUTanh:  {2e-7, 1e-6},
	cpu.ActQuickGELU: {2e-7, 1e-6},
	cpu.ActErf:       {1e-7, 1e-6},
}

func init() {
	for op := range actNames {
		name := actNames[op]
		for _, tex := range []string{"", "_tex"} {
			fwd, bwd := "act_fwd"+tex, "act_bwd"+tex
			register(Case{
				Kernels: []string{fwd}, Shape: name + " dense grid", Atol: actTol[op][0], Rtol: actTol[op][1], Browser: true,
				Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
					x := actGridRows()
					return runAct(d, fwd, op, x, len(x)/256, 256)
				},
			}, Case{
				Kernels: []string{bwd}, Shape: name + " dense grid", Atol: actBwdTol[op][0], Rtol: actBwdTol[op][1], Browser: true,
				Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
					x := actGridRows()
					return runActBwd(d, bwd, op, x, randn(rng, len(x), 1), len(x)/256, 256)
				},
			})
			for _, s := range [][2]int{{257, 6144}, {32, 3072}, {3, 37}, {4, 64}} {
				rows, cols := s[0], s[1]
				if tex != "" && cols%64 != 0 {
					continue // the _tex kernels take rows of a multiple of 64
				}
				register(Case{
					Kernels: []string{fwd, bwd}, Shape: fmt.Sprintf("%s (%d,%d) randn·3", name, rows, cols),
					Atol: max(actTol[op][0], actBwdTol[op][0]), Rtol: max(actTol[op][1], actBwdTol[op][1]), Browser: rows*cols < 1000,
					Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
						x, dy := randn(rng, rows*cols, 3), randn(rng, rows*cols, 1)
						g1, w1, err := runAct(d, fwd, op, x, rows, cols)
						if err != nil {
							return nil, nil, err
						}
						g2, w2, err := runActBwd(d, bwd, op, x, dy, rows, cols)
						return concat(g1, g2), concat(w1, w2), err
					},
				})
			}
		}
	}
}

// actGridRows is actGrid padded with zeros to rows of 256, which both
// kernels take as (rows, 256).
func actGridRows() []float32 {
	x := actGrid()
	for len(x)%256 != 0 {
		x = append(x, 0)
	}
	return x
}

func runAct(d *gpu.Device, kernel string, op int, x []float32, rows, cols int) ([]float32, []float32, error) {
	want := make([]float32, len(x))
	cpu.ActForward(want, x, len(x), op)
	tx := d.Upload(x, rows, cols)
	defer tx.Release()
	got, err := readAll(d.ActWith(kernel, gpu.Activation(op), tx))
	return got, want, err
}

func runActBwd(d *gpu.Device, kernel string, op int, x, dy []float32, rows, cols int) ([]float32, []float32, error) {
	want := make([]float32, len(x))
	cpu.ActBackward(want, dy, x, len(x), op)
	tx, tdy := d.Upload(x, rows, cols), d.Upload(dy, rows, cols)
	defer release(tx, tdy)
	got, err := readAll(d.ActBackwardWith(kernel, gpu.Activation(op), tdy, tx))
	return got, want, err
}

func init() {
	// The ViT-g MLP activation (257 tokens × 6144), and the default
	// model's ViT MLP in a stage-0 step (64 images × 17 tokens × 512).
	for _, s := range [][2]int{{257, 6144}, {1088, 512}} {
		for _, op := range []int{cpu.ActGELU, cpu.ActQuickGELU} {
			for _, tex := range []string{"", "_tex"} {
				registerActBench(s[0], s[1], op, tex)
			}
		}
	}
}

// registerActBench times act_fwd and act_bwd (tex "") or their _tex forms.
func registerActBench(rows, cols, op int, tex string) {
	fwd, bwd := "act_fwd"+tex, "act_bwd"+tex
	shape := fmt.Sprintf("%s (%d,%d)", actNames[op], rows, cols)
	registerBench(Bench{
		Kernel: fwd, Shape: shape, Bytes: 8 * float64(rows*cols),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x := d.Upload(randn(rng, rows*cols, 1), rows, cols)
			return func() { d.ActWith(fwd, gpu.Activation(op), x).Release() }, func() { x.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, out := randn(rng, rows*cols, 1), make([]float32, rows*cols)
			return func() { cpu.ActForward(out, x, len(x), op) }
		},
	}, Bench{
		Kernel: bwd, Shape: shape, Bytes: 12 * float64(rows*cols),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, dy := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, rows*cols, 1), rows, cols)
			return func() { d.ActBackwardWith(bwd, gpu.Activation(op), dy, x).Release() }, func() { release(x, dy) }
		},
		Twin: func(rng *rand.Rand) func() {
			x, dy, out := randn(rng, rows*cols, 1), randn(rng, rows*cols, 1), make([]float32, rows*cols)
			return func() { cpu.ActBackward(out, dy, x, len(x), op) }
		},
	})
}
