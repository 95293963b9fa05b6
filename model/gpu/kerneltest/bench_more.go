package kerneltest

import (
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// Benchmarks of the kernels whose parity files register none: the backward
// passes of the reductions and norms, the block copy and the loss mean, on
// the BLIP-2 shapes the training step uses.
func init() {
	const b, q, c = 64, 32, 256 // ITC-sized reductions: images × queries × texts
	const rows, cols = 257, 1408
	const patch, img = 14, 224
	registerBench(
		Bench{Kernel: "copyrows_fwd", Shape: "concat (64,32,768)+(64,32,768)", Bytes: 2 * 2 * 64 * 32 * 768 * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x := d.Upload(randn(rng, 64*32*768, 1), 64, 32, 768)
				var out *gpu.Tensor
				return func() { out.Release(); out = d.Concat(x, x) }, func() { out.Release(); x.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				x, out := randn(rng, 64*32*768, 1), make([]float32, 2*64*32*768)
				return func() {
					cpu.CopyRowsForward(out, x, cpu.SeqRows(64, 32, 768, 32, 0, 64, 0))
					cpu.CopyRowsForward(out, x, cpu.SeqRows(64, 32, 768, 32, 0, 64, 32))
				}
			}},
		Bench{Kernel: "maxrows_bwd", Shape: "(64,32,256)", Bytes: 2 * b * q * c * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x := d.Upload(randn(rng, b*q*c, 1), b, q, c)
				m, arg := d.MaxRows(x)
				dy := d.Upload(randn(rng, b*c, 1), b, c)
				var out *gpu.Tensor
				return func() { out.Release(); out = d.MaxRowsBackward(dy, arg, q) },
					func() {
						for _, t := range []*gpu.Tensor{out, x, m, arg, dy} {
							t.Release()
						}
					}
			},
			Twin: func(rng *rand.Rand) func() {
				dy, arg, dx := randn(rng, b*c, 1), make([]uint32, b*c), make([]float32, b*q*c)
				return func() { cpu.MaxRowsBackward(dx, dy, arg, b, q, c) }
			}},
		Bench{Kernel: "meanrows_fwd", Shape: "(64,32,256)", Bytes: b * q * c * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x := d.Upload(randn(rng, b*q*c, 1), b, q, c)
				var out *gpu.Tensor
				return func() { out.Release(); out = d.MeanRows(x) }, func() { out.Release(); x.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				x, out := randn(rng, b*q*c, 1), make([]float32, b*c)
				return func() { cpu.MeanRowsForward(out, x, b, q, c) }
			}},
		Bench{Kernel: "meanrows_bwd", Shape: "(64,32,256)", Bytes: b * q * c * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				dy := d.Upload(randn(rng, b*c, 1), b, c)
				var out *gpu.Tensor
				return func() { out.Release(); out = d.MeanRowsBackward(dy, q) }, func() { out.Release(); dy.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				dy, dx := randn(rng, b*c, 1), make([]float32, b*q*c)
				return func() { cpu.MeanRowsBackward(dx, dy, b, q, c) }
			}},
		Bench{Kernel: "l2norm_bwd", Shape: "(2048,256)", Bytes: 3 * 2048 * 256 * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x, dy := d.Upload(randn(rng, 2048*256, 1), 2048, 256), d.Upload(randn(rng, 2048*256, 1), 2048, 256)
				var out *gpu.Tensor
				return func() { out.Release(); out = d.L2NormalizeBackward(dy, x, 1e-12) }, func() { out.Release(); x.Release(); dy.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				x, dy, dx := randn(rng, 2048*256, 1), randn(rng, 2048*256, 1), make([]float32, 2048*256)
				return func() { cpu.L2NormBackward(dx, dy, x, 2048, 256, 1e-12) }
			}},
		Bench{Kernel: "rmsnorm_bwd_input+weight", Shape: "(257,1408)", Bytes: 3 * rows * cols * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x, w := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, cols, 1), cols)
				y, rstd := d.RMSNorm(x, w, 1e-6)
				dy := d.Upload(randn(rng, rows*cols, 1), rows, cols)
				var dx, dw *gpu.Tensor
				return func() { dx.Release(); dw.Release(); dx, dw = d.RMSNormBackward(dy, x, w, rstd) },
					func() {
						for _, t := range []*gpu.Tensor{dx, dw, x, w, y, rstd, dy} {
							t.Release()
						}
					}
			},
			Twin: func(rng *rand.Rand) func() {
				x, w, dy := randn(rng, rows*cols, 1), randn(rng, cols, 1), randn(rng, rows*cols, 1)
				y, rstd, dx, dw := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows*cols), make([]float32, cols)
				cpu.RMSNormForward(y, rstd, x, w, rows, cols, 1e-6)
				return func() {
					cpu.RMSNormBackwardInput(dx, dy, x, w, rstd, rows, cols)
					cpu.RMSNormBackwardWeight(dw, dy, x, rstd, rows, cols)
				}
			}},
		Bench{Kernel: "im2col_bwd", Shape: "(8,3,224,224) patch 14", Bytes: 2 * 8 * 3 * img * img * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				n := (img / patch) * (img / patch)
				dp := d.Upload(randn(rng, 8*n*3*patch*patch, 1), 8, n, 3*patch*patch)
				var out *gpu.Tensor
				return func() { out.Release(); out = d.Im2ColBackward(dp, []int{8, 3, img, img}, patch) }, func() { out.Release(); dp.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				dp, di := randn(rng, 8*3*img*img, 1), make([]float32, 8*3*img*img)
				return func() { cpu.Im2ColBackward(di, dp, 8, 3, img, img, patch) }
			}},
		Bench{Kernel: "lossmean_fwd", Shape: "2048 rows", Bytes: 2 * 2048 * 4,
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				labels := make([]int32, 2048)
				for i := range labels {
					labels[i] = int32(rng.IntN(100))
				}
				loss, lab, stats := d.Upload(randn(rng, 2048, 1), 2048), d.UploadLabels(labels, 2048), d.Zeros(2)
				return func() { d.LossMean(stats, loss, lab, 0) }, func() { loss.Release(); lab.Release(); stats.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				loss, labels, out := randn(rng, 2048, 1), make([]int32, 2048), make([]float32, 2)
				return func() { cpu.LossMeanForward(out, loss, labels, 2048, -100, 0) }
			}},
	)
}
