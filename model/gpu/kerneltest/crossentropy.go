package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// ceShape is one parity shape of the cross-entropy kernels: logits
// rows × cols, a fraction of the labels ignored, label smoothing eps.
type ceShape struct {
	rows, cols int
	ignoreFrac float64
	eps        float32
	browser    bool
}

// ceShapes: ITC (B×B), ITM (3B×2), ITG (B·31 rows of the 30523-way
// Q-Former vocabulary), stage 2 with OPT (50272) and T5 (32128), plus
// odd sizes: a single column, cols < 256, cols not a multiple of 4.
var ceShapes = []ceShape{
	{1, 1, 0, 0.1, true},
	{3, 3, 0, 0.1, true},
	{9, 2, 0, 0, true},
	{7, 300, 0.3, 0.1, true},
	{5, 1001, 0.2, 0.1, true},
	{100, 100, 0, 0.1, false},
	{300, 2, 0, 0, false},
	{62, 30523, 0.25, 0.1, false},
	{32, 50272, 0.2, 0, false},
	{17, 32128, 0.2, 0, false},
}

// ceInputs draws logits with a spread like a trained LM head's (σ = 3) and
// labels with a fraction ignored.
func ceInputs(rng *rand.Rand, rows, cols int, ignoreFrac float64) ([]float32, []int32) {
	x := randn(rng, rows*cols, 3)
	y := make([]int32, rows)
	for i := range y {
		y[i] = int32(rng.IntN(cols))
		if rng.Float64() < ignoreFrac {
			y[i] = gpu.IgnoreIndex
		}
	}
	return x, y
}

func init() {
	for _, s := range ceShapes {
		rows, cols, frac, eps := s.rows, s.cols, s.ignoreFrac, s.eps
		for _, kernel := range []string{"crossentropy_fwd", "crossentropy_fwd_rows"} {
			if kernel == "crossentropy_fwd_rows" && cols > 8192 {
				continue // past the rows crossentropy_fwd_rows is chosen for
			}
			register(Case{
				Kernels: []string{kernel, "lossmean_fwd"}, Shape: fmt.Sprintf("(%d,%d) ε=%g ignored %.0f%%", rows, cols, eps, 100*frac),
				// loss and lse are O(10) sums over up to 50272 terms in f32.
				Atol: 1e-5, Rtol: 1e-5, Browser: s.browser,
				Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
					x, y := ceInputs(rng, rows, cols, frac)
					return ceForward(d, kernel, x, y, rows, cols, eps)
				},
			})
		}
		register(Case{
			Kernels: []string{"crossentropy_bwd"}, Shape: fmt.Sprintf("(%d,%d) ε=%g ignored %.0f%%", rows, cols, eps, 100*frac),
			// Compared as p − t (dlogits·count/g, see ceBackward): where
			// p ≈ 1 the difference cancels, so the floor is a few ulps of 1
			// (lavapipe and SwiftShader differ from the twin by up to 2 ulps
			// there); elsewhere the relative error of exp.
			Atol: 5e-7, Rtol: 2e-5, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, y := ceInputs(rng, rows, cols, frac)
				return ceBackward(d, x, y, rows, cols, eps, 0.5)
			},
		})
	}
	// Every row ignored: the mean is NaN (PyTorch's 0/0), the gradient 0.
	register(Case{
		Kernels: []string{"crossentropy_fwd", "lossmean_fwd", "crossentropy_bwd"}, Shape: "(4,10) all ignored", Atol: 1e-5, Rtol: 1e-5, Browser: true,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			x, y := ceInputs(rng, 4, 10, 1)
			got, want, err := ceForward(d, "crossentropy_fwd", x, y, 4, 10, 0.1)
			if err != nil {
				return nil, nil, err
			}
			g2, w2, err := ceBackward(d, x, y, 4, 10, 0.1, 1)
			return nanToSentinel(append(got, g2...)), nanToSentinel(append(want, w2...)), err
		},
	})
	// A label out of range gives a NaN loss on that row (PyTorch raises);
	// an ignored row gives 0.
	for _, kernel := range []string{"crossentropy_fwd", "crossentropy_fwd_rows"} {
		register(Case{
			Kernels: []string{kernel}, Shape: "(3,10) label 10 out of range, row 2 ignored", Atol: 1e-5, Rtol: 1e-5, Browser: true,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, y := ceInputs(rng, 3, 10, 0)
				y[1], y[2] = 10, gpu.IgnoreIndex
				got, want, err := ceForward(d, kernel, x, y, 3, 10, 0.1)
				return nanToSentinel(got), nanToSentinel(want), err
			},
		})
	}
}

// ceTexShapes are logits crossentropy_fwd_tex takes (rows of a multiple of
// 64 classes): a single texel column per thread, the language models'
// 8,000-way vocabulary, T5's 32128, and rows that are not a power of two.
var ceTexShapes = []ceShape{
	{1, 64, 0, 0.1, true},
	{7, 1088, 0.3, 0.1, true},
	{33, 8000, 0.25, 0.1, true},
	{2048, 8000, 0.2, 0, false},
	{17, 32128, 0.2, 0, false},
}

func init() {
	const tex = "crossentropy_fwd_tex"
	for _, s := range ceTexShapes {
		rows, cols, frac, eps := s.rows, s.cols, s.ignoreFrac, s.eps
		register(Case{
			Kernels: []string{tex, "lossmean_fwd"}, Shape: fmt.Sprintf("(%d,%d) ε=%g ignored %.0f%%", rows, cols, eps, 100*frac),
			Atol: 1e-5, Rtol: 1e-5, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, y := ceInputs(rng, rows, cols, frac)
				return ceForward(d, tex, x, y, rows, cols, eps)
			},
		})
	}
	register(Case{
		Kernels: []string{tex}, Shape: "(3,64) label 64 out of range, row 2 ignored", Atol: 1e-5, Rtol: 1e-5, Browser: true,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			x, y := ceInputs(rng, 3, 64, 0)
			y[1], y[2] = 64, gpu.IgnoreIndex
			got, want, err := ceForward(d, tex, x, y, 3, 64, 0.1)
			return nanToSentinel(got), nanToSentinel(want), err
		},
	})
}

// ceForward returns loss, lse and the two stats slots, device and twin.
func ceForward(d *gpu.Device, kernel string, x []float32, y []int32, rows, cols int, eps float32) ([]float32, []float32, error) {
	want := make([]float32, 2*rows+2)
	cpu.CrossEntropyForward(want[:rows], want[rows:2*rows], x, y, rows, cols, gpu.IgnoreIndex, eps)
	cpu.LossMeanForward(want[2*rows:], want[:rows], y, rows, gpu.IgnoreIndex, 0)
	tx, ty, stats := d.Upload(x, rows, cols), d.UploadLabels(y, rows), d.Zeros(2)
	loss, lse := d.CrossEntropyWith(kernel, tx, ty, eps)
	d.LossMean(stats, loss, ty, 0)
	var got []float32
	var err error
	for _, t := range []*gpu.Tensor{loss, lse, stats} {
		var v []float32
		if v, err = t.Read(); err != nil {
			break
		}
		got = append(got, v...)
	}
	for _, t := range []*gpu.Tensor{tx, ty, stats, loss, lse} {
		t.Release()
	}
	return got, want, err
}

// ceBackward checks crossentropy_bwd alone: lse and the count come from the
// twins, uploaded, with the count in slot 3 of a 4-slot stats buffer.
func ceBackward(d *gpu.Device, x []float32, y []int32, rows, cols int, eps, g float32) ([]float32, []float32, error) {
	loss, lse, stats := make([]float32, rows), make([]float32, rows), make([]float32, 4)
	cpu.CrossEntropyForward(loss, lse, x, y, rows, cols, gpu.IgnoreIndex, eps)
	cpu.LossMeanForward(stats, loss, y, rows, gpu.IgnoreIndex, 2)
	want := make([]float32, rows*cols)
	cpu.CrossEntropyBackward(want, x, y, lse, stats, rows, cols, gpu.IgnoreIndex, eps, g, 2)
	tx, ty, tl, ts := d.Upload(x, rows, cols), d.UploadLabels(y, rows), d.Upload(lse, rows), d.Upload(stats, 4)
	dx := d.CrossEntropyBackward(tx, ty, tl, ts, 2, eps, g)
	got, err := dx.Read()
	for _, t := range []*gpu.Tensor{tx, ty, tl, ts, dx} {
		t.Release()
	}
	// Undo the common factor g/count so the tolerance is on p − t, whose
	// error does not depend on the batch: a wrong factor still shows.
	if err == nil && stats[3] > 0 {
		f := stats[3] / g
		for i := range got {
			got[i] *= f
			want[i] *= f
		}
	}
	return got, want, err
}

// nanToSentinel maps NaN to a finite marker so the comparison, which fails
// on NaN, checks that NaN appears exactly where the twin has it.
func nanToSentinel(v []float32) []float32 {
	for i, x := range v {
		if math.IsNaN(float64(x)) {
			v[i] = -12345
		}
	}
	return v
}

func init() {
	for _, s := range []struct{ rows, cols int }{{64, 30522}, {32, 50272}, {2048, 8000}, {64, 64}, {64, 8000}, {96, 2}} {
		rows, cols := s.rows, s.cols
		shape := fmt.Sprintf("(%d,%d)", rows, cols)
		setup := func(rng *rand.Rand) ([]float32, []int32) { return ceInputs(rng, rows, cols, 0.1) }
		for _, kernel := range []string{"crossentropy_fwd", "crossentropy_fwd_tex", "crossentropy_fwd_rows"} {
			if (kernel == "crossentropy_fwd_tex" && cols%64 != 0) || (kernel == "crossentropy_fwd_rows" && cols > 8192) {
				continue
			}
			registerBench(Bench{
				Kernel: kernel, Shape: shape, Bytes: 4 * float64(rows*cols),
				Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
					x, y := setup(rng)
					tx, ty := d.Upload(x, rows, cols), d.UploadLabels(y, rows)
					var loss, lse *gpu.Tensor
					return func() { loss.Release(); lse.Release(); loss, lse = d.CrossEntropyWith(kernel, tx, ty, 0.1) },
						func() { loss.Release(); lse.Release(); tx.Release(); ty.Release() }
				},
				Twin: func(rng *rand.Rand) func() {
					x, y := setup(rng)
					loss, lse := make([]float32, rows), make([]float32, rows)
					return func() { cpu.CrossEntropyForward(loss, lse, x, y, rows, cols, gpu.IgnoreIndex, 0.1) }
				},
			})
		}
		registerBench(Bench{
			Kernel: "crossentropy_bwd", Shape: shape, Bytes: 8 * float64(rows*cols),
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x, y := setup(rng)
				tx, ty, stats := d.Upload(x, rows, cols), d.UploadLabels(y, rows), d.Zeros(2)
				loss, lse := d.CrossEntropy(tx, ty, 0.1)
				d.LossMean(stats, loss, ty, 0)
				var dx *gpu.Tensor
				return func() { dx.Release(); dx = d.CrossEntropyBackward(tx, ty, lse, stats, 0, 0.1, 1) },
					func() {
						for _, t := range []*gpu.Tensor{dx, tx, ty, stats, loss, lse} {
							t.Release()
						}
					}
			},
			Twin: func(rng *rand.Rand) func() {
				x, y := setup(rng)
				loss, lse, stats, dx := make([]float32, rows), make([]float32, rows), make([]float32, 2), make([]float32, rows*cols)
				cpu.CrossEntropyForward(loss, lse, x, y, rows, cols, gpu.IgnoreIndex, 0.1)
				cpu.LossMeanForward(stats, loss, y, rows, gpu.IgnoreIndex, 0)
				return func() { cpu.CrossEntropyBackward(dx, x, y, lse, stats, rows, cols, gpu.IgnoreIndex, 0.1, 1, 0) }
			},
		})
	}
}
