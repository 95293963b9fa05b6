package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// quantCase runs LinearQ8 or LinearQ4 against the twin, which multiplies by
// the dequantized weight: only float summation order may differ.
func quantCase(kernel string, rows, n, k int, bias, browser bool) Case {
	atol, rtol := mmTol(k)
	atol *= 0.05 // the weights below have standard deviation 0.05
	return Case{
		Kernels: []string{kernel}, Shape: fmt.Sprintf("(%d,%d)·(%d,%d)ᵀ bias=%v", rows, k, n, k, bias),
		Atol: atol, Rtol: rtol, Browser: browser,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			x, w := randn(rng, rows*k, 1), randn(rng, n*k, 0.05)
			var b []float32
			if bias {
				b = randn(rng, n, 1)
			}
			dims := cpu.DenseNT(1, rows, n, k, true)
			dims.Bias = bias
			want := make([]float32, rows*n)
			var q []uint32
			var s []float32
			perWord := 4
			if kernel == "matmul_fwd_q8" {
				q, s = cpu.QuantizeQ8(w, n, k)
				cpu.MatMulForwardQ8(want, x, q, s, b, dims)
			} else {
				perWord = 8
				q, s = cpu.QuantizeQ4(w, n, k)
				cpu.MatMulForwardQ4(want, x, q, s, b, dims)
			}
			tx, tq, ts := d.Upload(x, rows, k), d.UploadU32(q, n, k/perWord), d.Upload(s, len(s))
			defer tx.Release()
			defer tq.Release()
			defer ts.Release()
			var tb *gpu.Tensor
			if bias {
				tb = d.Upload(b, n)
				defer tb.Release()
			}
			var out *gpu.Tensor
			if perWord == 4 {
				out = d.LinearQ8(tx, tq, ts, tb)
			} else {
				out = d.LinearQ4(tx, tq, ts, tb)
			}
			defer out.Release()
			got, err := out.Read()
			return got, want, err
		},
	}
}

func init() {
	for _, k := range []string{"matmul_fwd_q8", "matmul_fwd_q4"} {
		register(
			quantCase(k, 1, 3, 32, true, true),
			quantCase(k, 37, 19, 64, false, true),
			quantCase(k, 130, 131, 96, true, true),
			quantCase(k, 32, 768, 768, true, false),
			quantCase(k, 257, 300, 1408, true, false),
		)
	}
}
