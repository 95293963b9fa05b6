package kerneltest

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// linearBench times one variant of the NT kernel on x (m×k) · W (n×k)ᵀ +
// bias, as a Linear layer runs it; d.Linear picks the variant per adapter
// (Device.NTKernel).
func linearBench(kernel string, m, n, k int) Bench {
	return Bench{
		Kernel: kernel, Shape: fmt.Sprintf("(%d,%d)·(%d,%d)ᵀ+b", m, k, n, k), Flops: 2 * float64(m) * float64(n) * float64(k),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, w, b := d.Upload(randn(rng, m*k, 1), m, k), d.Upload(randn(rng, n*k, 1), n, k), d.Upload(randn(rng, n, 1), n)
			out := d.Scratch(m, n)
			launch := func() { d.MatMulNTWith(kernel, out, x, w, b, cpu.DenseNT(1, m, n, k, true)) }
			return launch, func() { out.Release(); x.Release(); w.Release(); b.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, w, b, out := randn(rng, m*k, 1), randn(rng, n*k, 1), randn(rng, n, 1), make([]float32, m*n)
			dims := cpu.DenseNT(1, m, n, k, true)
			dims.Bias = true
			return func() { cpu.MatMulForward(out, x, w, b, dims) }
		},
	}
}

// quantBench times LinearQ8 / LinearQ4; the twin dequantizes once and runs
// the f32 loop, as the reference does.
func quantBench(kernel string, m, n, k int) Bench {
	pack := func(rng *rand.Rand) ([]uint32, []float32, int) {
		w := randn(rng, n*k, 0.05)
		if kernel == "matmul_fwd_q8" {
			q, s := cpu.QuantizeQ8(w, n, k)
			return q, s, 4
		}
		q, s := cpu.QuantizeQ4(w, n, k)
		return q, s, 8
	}
	return Bench{
		Kernel: kernel, Shape: fmt.Sprintf("(%d,%d)·(%d,%d)ᵀ+b", m, k, n, k), Flops: 2 * float64(m) * float64(n) * float64(k),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			q, s, per := pack(rng)
			x, tq, ts, b := d.Upload(randn(rng, m*k, 1), m, k), d.UploadU32(q, n, k/per), d.Upload(s, len(s)), d.Upload(randn(rng, n, 1), n)
			var out *gpu.Tensor
			launch := func() {
				out.Release()
				if per == 4 {
					out = d.LinearQ8(x, tq, ts, b)
				} else {
					out = d.LinearQ4(x, tq, ts, b)
				}
			}
			return launch, func() { out.Release(); x.Release(); tq.Release(); ts.Release(); b.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			q, s, per := pack(rng)
			x, b, out := randn(rng, m*k, 1), randn(rng, n, 1), make([]float32, m*n)
			dims := cpu.DenseNT(1, m, n, k, true)
			dims.Bias = true
			return func() {
				if per == 4 {
					cpu.MatMulForwardQ8(out, x, q, s, b, dims)
				} else {
					cpu.MatMulForwardQ4(out, x, q, s, b, dims)
				}
			}
		},
	}
}

// backwardBench times one variant of the NN (dX = dY·W) or TN (dW += dYᵀ·X)
// product of a Linear with `rows` tokens, n outputs and k inputs; the
// MatMulNN / MatMulTN ops pick the variant per adapter (Device.NNKernel,
// Device.TNKernel).
func backwardBench(kernel string, rows, n, k int) Bench {
	nn := strings.HasPrefix(kernel, "matmul_bwd_input")
	var dims cpu.MatMulDims
	var aLen, bLen, cLen int
	if nn {
		dims, aLen, bLen, cLen = cpu.DenseNN(1, rows, k, n, true), rows*n, n*k, rows*k
	} else {
		dims, aLen, bLen, cLen = cpu.DenseTN(1, n, k, rows), rows*n, rows*k, n*k
		dims.Accumulate = true
	}
	return Bench{
		Kernel: kernel, Shape: fmt.Sprintf("tokens %d, (%d,%d) weight", rows, n, k), Flops: 2 * float64(rows) * float64(n) * float64(k),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			a, b, c := d.Upload(randn(rng, aLen, 1), aLen), d.Upload(randn(rng, bLen, 1), bLen), d.Zeros(cLen)
			launch := func() { d.MatMulNNWith(kernel, c, a, b, dims) }
			if !nn {
				launch = func() { d.MatMulTNWith(kernel, c, a, b, dims) }
			}
			return launch, func() { a.Release(); b.Release(); c.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			a, b, c := randn(rng, aLen, 1), randn(rng, bLen, 1), make([]float32, cLen)
			if nn {
				return func() { cpu.MatMulBackwardInput(c, a, b, dims) }
			}
			return func() { cpu.MatMulBackwardWeight(c, a, b, dims) }
		},
	}
}

func init() {
	registerBench(
		linearBench("matmul_fwd_tex", 1024, 1024, 1024), // the acceptance figure
		linearBench("matmul_fwd_tex", 512, 512, 512),
		linearBench("matmul_fwd_tex", 32, 768, 768),    // Q-Former Linear, 32 queries
		linearBench("matmul_fwd_tex", 32, 3072, 768),   // Q-Former FFN up
		linearBench("matmul_fwd_tex", 257, 1408, 1408), // ViT-g Linear, 257 tokens
		linearBench("matmul_fwd", 1024, 1024, 1024),
		linearBench("matmul_fwd", 512, 512, 512),
		linearBench("matmul_fwd", 257, 1408, 1408),
		linearBench("matmul_fwd_tiled", 512, 512, 512),
		quantBench("matmul_fwd_q8", 1024, 1024, 1024),
		quantBench("matmul_fwd_q4", 1024, 1024, 1024),
		backwardBench("matmul_bwd_input", 512, 768, 768),
		backwardBench("matmul_bwd_input_tex", 512, 768, 768),
		backwardBench("matmul_bwd_input", 257, 1408, 1408), // ViT-g Linear, 257 tokens
		backwardBench("matmul_bwd_input_tex", 257, 1408, 1408),
		backwardBench("matmul_bwd_weight", 512, 768, 768),
		backwardBench("matmul_bwd_weight_tex", 512, 768, 768),
		backwardBench("matmul_bwd_weight", 257, 1408, 1408),
		backwardBench("matmul_bwd_weight_tex", 257, 1408, 1408),
	)
	const rows, cols = 257 * 4, 1408
	registerBench(Bench{
		Kernel: "matmul_bwd_bias", Shape: fmt.Sprintf("colsum (%d,%d)", rows, cols), Bytes: 4 * float64(rows*cols+cols),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			dy, db := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Zeros(cols)
			return func() { d.BiasBackward(db, dy, true) }, func() { dy.Release(); db.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			dy, db := randn(rng, rows*cols, 1), make([]float32, cols)
			return func() { cpu.MatMulBackwardBias(db, dy, rows, cols, true) }
		},
	})
}
