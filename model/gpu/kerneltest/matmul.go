package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// mmKind is which product a case runs: NT (matmul_fwd*), NN
// (matmul_bwd_input), TN (matmul_bwd_weight).
type mmKind int

const (
	mmNT mmKind = iota
	mmNN
	mmTN
)

// extent is the number of elements a view touches, for sizing its buffer.
func extent(l cpu.Layout, batch, inner, rows, cols int) int {
	return l.Off + l.Outer*((batch-1)/inner) + l.Inner*(min(batch, inner)-1) + (rows-1)*l.Row + cols
}

// mmTol is |Δ| ≤ atol + rtol·|ref| for an f32 sum of K products of unit
// normals against the float64 twin: rounding grows about like K·eps.
func mmTol(k int) (atol, rtol float64) { return 1e-6 + 2.5e-7*float64(k), 1e-5 }

// mmCase checks `kernel` against its twin on random data laid out by dims.
// Elements of C outside the views keep their prefilled values on both sides,
// so a stray store shows up as a mismatch.
func mmCase(kernel string, kind mmKind, dims cpu.MatMulDims, browser bool, shape string) Case {
	if dims.Inner == 0 {
		dims.Inner = 1
	}
	ar, ac, br, bc := dims.M, dims.K, dims.N, dims.K
	switch kind {
	case mmNN:
		br, bc = dims.K, dims.N
	case mmTN:
		ar, ac, br, bc = dims.K, dims.M, dims.K, dims.N
	}
	atol, rtol := mmTol(dims.K)
	return Case{
		Kernels: []string{kernel}, Shape: shape, Atol: atol, Rtol: rtol, Browser: browser,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			// A few elements past the views, as a tensor of padded rows has:
			// the _tex kernels read a partial last texel of A whole.
			na, nb := extent(dims.A, dims.Batch, dims.Inner, ar, ac)+3, extent(dims.B, dims.Batch, dims.Inner, br, bc)+3
			nc := extent(dims.C, dims.Batch, dims.Inner, dims.M, dims.N)
			a, b, c := randn(rng, na, 1), randn(rng, nb, 1), randn(rng, nc, 1)
			var bias []float32
			if dims.Bias {
				bias = randn(rng, dims.N, 1)
			}
			want := append([]float32(nil), c...)
			ta, tb, tc := d.Upload(a, na), d.Upload(b, nb), d.Upload(c, nc)
			defer ta.Release()
			defer tb.Release()
			defer tc.Release()
			switch kind {
			case mmNT:
				cpu.MatMulForward(want, a, b, bias, dims)
				var tbias *gpu.Tensor
				if dims.Bias {
					tbias = d.Upload(bias, dims.N)
					defer tbias.Release()
				}
				d.MatMulNTWith(kernel, tc, ta, tb, tbias, dims)
			case mmNN:
				cpu.MatMulBackwardInput(want, a, b, dims)
				d.MatMulNNWith(kernel, tc, ta, tb, dims)
			case mmTN:
				cpu.MatMulBackwardWeight(want, a, b, dims)
				d.MatMulTNWith(kernel, tc, ta, tb, dims)
			}
			got, err := tc.Read()
			return got, want, err
		},
	}
}

// headsQK is the per-head score layout of gpu.HeadsQK: q (B,T,H·D), k (B,S,H·D).
func headsQK(b, t, s, h, dh int) cpu.MatMulDims {
	hd := h * dh
	return cpu.MatMulDims{M: t, N: s, K: dh, Batch: b * h, Inner: h,
		A: cpu.Layout{Row: hd, Outer: t * hd, Inner: dh}, B: cpu.Layout{Row: hd, Outer: s * hd, Inner: dh},
		C: cpu.Layout{Row: s, Outer: h * t * s, Inner: t * s}}
}

// headsPV is the layout of gpu.HeadsPV: p (B,H,T,S), v (B,S,H·D) → (B,T,H·D).
func headsPV(b, t, s, h, dh int) cpu.MatMulDims {
	hd := h * dh
	return cpu.MatMulDims{M: t, N: dh, K: s, Batch: b * h, Inner: h,
		A: cpu.Layout{Row: s, Outer: h * t * s, Inner: t * s}, B: cpu.Layout{Row: hd, Outer: s * hd, Inner: dh},
		C: cpu.Layout{Row: hd, Outer: t * hd, Inner: dh}}
}

func withBias(d cpu.MatMulDims) cpu.MatMulDims { d.Bias = true; return d }

// views is one product of a single batch over A and B views with the given
// row strides and offsets, and a dense C.
func views(m, n, k int, a, b cpu.Layout) cpu.MatMulDims {
	return cpu.MatMulDims{M: m, N: n, K: k, Batch: 1, Inner: 1, A: a, B: b, C: cpu.Layout{Row: n}}
}

// texBackwardCases covers the _tex kernels of the backward products. They
// take views whose rows can be copied into a texture (rows 64-element
// aligned, offsets and texel dimensions multiples of 4, one batch), so the
// odd sizes are made with padded rows: M and N that are not multiples of the
// 32×128 block of a workgroup, a single row (whose copy stride is padded),
// views at an offset, accumulation, and for TN a K of 1, 6, 33 and 257 (a
// partial last step).
func texBackwardCases() {
	const nn, tn = "matmul_bwd_input_tex", "matmul_bwd_weight_tex"
	l := func(row, off int) cpu.Layout { return cpu.Layout{Row: row, Off: off} }
	acc := views(20, 36, 6, l(64, 0), l(64, 0))
	acc.Accumulate, acc.C = true, l(44, 4) // C read and written as vec4 at an offset
	padC := views(37, 20, 68, l(128, 0), l(64, 0))
	padC.C = l(24, 4)
	accBig := cpu.DenseTN(1, 768, 768, 32)
	accBig.Accumulate = true
	accNN := views(20, 36, 68, l(128, 0), l(64, 0))
	accNN.Accumulate, accNN.C = true, l(44, 4)
	accNNBig := cpu.DenseNN(1, 257, 256, 1024, true)
	accNNBig.Accumulate = true
	register(
		mmCase(nn, mmNN, views(1, 64, 68, l(68, 0), l(64, 0)), true, "(1,68)·(68,64)"),
		mmCase(nn, mmNN, accNN, true, "+= (20,68 of 128)·(68,36 of 64) → C 36 of 44 at +4"),
		mmCase(nn, mmNN, accNNBig, false, "dX += (257,1024)·(1024,256)"),
		mmCase(nn, mmNN, padC, true, "(37,68 of 128)·(68,20 of 64) → C 20 of 24 at +4"),
		mmCase(nn, mmNN, views(130, 132, 128, l(128, 0), l(192, 0)), true, "(130,128)·(128,132 of 192)"),
		mmCase(nn, mmNN, views(9, 36, 64, l(192, 64), l(64, 8)), true, "(9,64 of 192 at +64)·(64,36 of 64 at +8)"),
		mmCase(nn, mmNN, cpu.DenseNN(1, 32, 768, 768, true), false, "dX (32,768)·(768,768)"),
		mmCase(nn, mmNN, cpu.DenseNN(1, 257, 1408, 1408, true), false, "dX (257,1408)·(1408,1408)"),
		mmCase(tn, mmTN, views(36, 20, 1, l(36, 0), l(20, 0)), true, "(1,36)ᵀ·(1,20)"),
		mmCase(tn, mmTN, acc, true, "+= (6,20 of 64)ᵀ·(6,36 of 64) → C 36 of 44 at +4"),
		mmCase(tn, mmTN, views(64, 68, 33, l(64, 0), l(128, 0)), true, "(33,64)ᵀ·(33,68 of 128)"),
		mmCase(tn, mmTN, views(40, 132, 257, l(64, 12), l(192, 4)), true, "(257,40 of 64 at +12)ᵀ·(257,132 of 192 at +4)"),
		mmCase(tn, mmTN, accBig, false, "dW += (32,768)ᵀ·(32,768)"),
		mmCase(tn, mmTN, cpu.DenseTN(1, 1408, 1408, 257), false, "dW (257,1408)ᵀ·(257,1408)"),
	)
}

// headsTN is the layout of dK = dSᵀ·Q per head: ds (B,H,T,S), q
// (B,T,H·D) → (B,S,H·D).
func headsTN(b, t, s, h, dh int) cpu.MatMulDims {
	hd := h * dh
	return cpu.MatMulDims{M: s, N: dh, K: t, Batch: b * h, Inner: h,
		A: cpu.Layout{Row: s, Outer: h * t * s, Inner: t * s}, B: cpu.Layout{Row: hd, Outer: t * hd, Inner: dh},
		C: cpu.Layout{Row: hd, Outer: s * hd, Inner: dh}}
}

// padScores gives the scores of a heads layout (A of headsPV, headsTN) rows
// of ld elements, as Device.ScoreStride pads them.
func padScores(d cpu.MatMulDims, t, ld int) cpu.MatMulDims {
	h := d.Inner
	d.A = cpu.Layout{Row: ld, Outer: h * t * ld, Inner: t * ld}
	return d
}

// texBatchedCases covers the _tex kernels over batches: attention's products
// per head, read in place from one texture per operand (matmul_tex.wgsl),
// a B shared by every batch (outer stride 0), and an ITM-sized product
// whose scores exceed one texture and run in several dispatches.
func texBatchedCases() {
	const nt, nn, tn = "matmul_fwd_tex", "matmul_bwd_input_tex", "matmul_bwd_weight_tex"
	shared := cpu.DenseNT(3, 20, 21, 64, true)
	shared.A.Row, shared.A.Outer = 64, 20*64
	accTN := headsTN(2, 64, 64, 4, 64)
	accTN.Accumulate = true
	register(
		mmCase(nt, mmNT, headsQK(2, 32, 32, 4, 64), true, "QKᵀ (2,32,4·64)×(2,32,4·64)"),
		mmCase(nt, mmNT, headsQK(3, 37, 65, 4, 32), true, "QKᵀ (3,37,4·32)×(3,65,4·32)"),
		mmCase(nt, mmNT, withBias(shared), true, "3×(20,64)·shared(21,64)ᵀ+b"),
		mmCase(nn, mmNN, headsPV(2, 33, 64, 4, 64), true, "PV (2,4,33,64)×(2,64,4·64)"),
		mmCase(nn, mmNN, headsPV(3, 64, 128, 2, 32), true, "PV (3,2,64,128)×(3,128,2·32)"),
		mmCase(tn, mmTN, headsTN(2, 37, 64, 4, 64), true, "dK (2,4,37,64)ᵀ×(2,37,4·64)"),
		mmCase(tn, mmTN, accTN, true, "dK += (2,4,64,64)ᵀ×(2,64,4·64)"),
		mmCase(nn, mmNN, padScores(headsPV(2, 32, 65, 4, 64), 32, 128), true, "PV (2,4,32,65 of 128)×(2,65,4·64): a partial texel of keys"),
		mmCase(nn, mmNN, padScores(headsPV(3, 16, 17, 2, 32), 16, 64), true, "PV (3,2,16,17 of 64)×(3,17,2·32)"),
		mmCase(tn, mmTN, padScores(headsTN(2, 32, 65, 4, 64), 32, 128), true, "dV (2,4,32,65 of 128)ᵀ×(2,32,4·64): a partial texel of M"),
		mmCase(tn, mmTN, padScores(headsTN(3, 16, 17, 2, 32), 16, 64), true, "dV (3,2,16,17 of 64)ᵀ×(3,16,2·32)"),
		mmCase(nt, mmNT, headsQK(96, 64, 64, 4, 64), false, "QKᵀ (96,64,4·64)×(96,64,4·64)"),
		mmCase(nn, mmNN, headsPV(96, 64, 64, 4, 64), false, "PV (96,4,64,64)×(96,64,4·64), several dispatches"),
		mmCase(tn, mmTN, headsTN(96, 64, 64, 4, 64), false, "dK (96,4,64,64)ᵀ×(96,64,4·64), several dispatches"),
	)
}

func init() {
	// A view with an offset and padded rows, as a slice of a fused QKV.
	offset := cpu.DenseNT(2, 9, 11, 13, false)
	offset.A = cpu.Layout{Row: 3 * 13, Off: 13, Outer: 9 * 3 * 13}
	for _, k := range []string{"matmul_fwd", "matmul_fwd_tiled"} {
		register(
			mmCase(k, mmNT, withBias(cpu.DenseNT(1, 1, 3, 5, true)), true, "(1,5)·(3,5)ᵀ+b"),
			mmCase(k, mmNT, cpu.DenseNT(1, 37, 19, 7, true), true, "(37,7)·(19,7)ᵀ"),
			mmCase(k, mmNT, withBias(cpu.DenseNT(1, 130, 131, 33, true)), true, "(130,33)·(131,33)ᵀ+b"),
			mmCase(k, mmNT, withBias(cpu.DenseNT(3, 20, 21, 6, true)), true, "3×(20,6)·shared(21,6)ᵀ+b"),
			mmCase(k, mmNT, offset, true, "2×(9,13 of 39 at +13)·(11,13)ᵀ"),
			mmCase(k, mmNT, headsQK(2, 32, 32, 12, 64), true, "QKᵀ (2,32,12·64)×(2,32,12·64)"),
			mmCase(k, mmNT, withBias(cpu.DenseNT(1, 32, 768, 768, true)), false, "(32,768)·(768,768)ᵀ+b"),
			mmCase(k, mmNT, headsQK(2, 32, 257, 12, 64), false, "QKᵀ (2,32,12·64)×(2,257,12·64)"),
		)
	}
	// matmul_fwd_tex takes views whose rows can be copied into a texture:
	// K a multiple of 4, rows 64-element aligned, one batch.
	qkv := cpu.DenseNT(1, 9, 11, 64, false)
	qkv.A = cpu.Layout{Row: 3 * 64, Off: 64}
	register(
		mmCase("matmul_fwd_tex", mmNT, withBias(cpu.DenseNT(1, 1, 3, 64, true)), true, "(1,64)·(3,64)ᵀ+b"),
		mmCase("matmul_fwd_tex", mmNT, cpu.DenseNT(1, 37, 19, 64, true), true, "(37,64)·(19,64)ᵀ"),
		mmCase("matmul_fwd_tex", mmNT, withBias(cpu.DenseNT(1, 130, 131, 128, true)), true, "(130,128)·(131,128)ᵀ+b"),
		mmCase("matmul_fwd_tex", mmNT, qkv, true, "(9,64 of 192 at +64)·(11,64)ᵀ"),
		mmCase("matmul_fwd_tex", mmNT, withBias(cpu.DenseNT(1, 32, 768, 768, true)), false, "(32,768)·(768,768)ᵀ+b"),
		mmCase("matmul_fwd_tex", mmNT, withBias(cpu.DenseNT(1, 257, 1408, 1408, true)), false, "(257,1408)·(1408,1408)ᵀ+b"),
	)
	register(
		mmCase("matmul_fwd", mmNT, withBias(cpu.DenseNT(1, 257, 1408, 1408, true)), false, "(257,1408)·(1408,1408)ᵀ+b"),
		mmCase("matmul_fwd_tiled", mmNT, withBias(cpu.DenseNT(1, 257, 200, 1408, true)), false, "(257,1408)·(200,1408)ᵀ+b"),
	)
	accNN := cpu.DenseNN(2, 33, 130, 17, false)
	accNN.Accumulate = true
	for _, k := range []string{"matmul_bwd_input"} {
		register(
			mmCase(k, mmNN, cpu.DenseNN(1, 1, 3, 5, true), true, "(1,5)·(5,3)"),
			mmCase(k, mmNN, accNN, true, "+= 2×(33,17)·(17,130)"),
			mmCase(k, mmNN, cpu.DenseNN(2, 33, 130, 17, false), true, "2×(33,17)·(17,130)"),
			mmCase(k, mmNN, headsPV(1, 32, 32, 12, 64), true, "PV (1,12,32,32)×(1,32,12·64)"),
			mmCase(k, mmNN, headsPV(2, 32, 257, 12, 64), false, "PV (2,12,32,257)×(2,257,12·64)"),
			mmCase(k, mmNN, cpu.DenseNN(1, 32, 768, 768, true), false, "dX (32,768)·(768,768)"),
			mmCase(k, mmNN, cpu.DenseNN(1, 257, 300, 1408, true), false, "dX (257,1408)·(1408,300)"),
		)
	}
	acc := cpu.DenseTN(1, 7, 9, 6)
	acc.Accumulate = true
	accBig := cpu.DenseTN(1, 768, 768, 32)
	accBig.Accumulate = true
	for _, k := range []string{"matmul_bwd_weight"} {
		register(
			mmCase(k, mmTN, cpu.DenseTN(1, 3, 1, 5), true, "(5,3)ᵀ·(5,1)"),
			mmCase(k, mmTN, acc, true, "+= (6,7)ᵀ·(6,9)"),
			mmCase(k, mmTN, cpu.DenseTN(2, 130, 33, 19), true, "2×(19,130)ᵀ·(19,33)"),
			mmCase(k, mmTN, accBig, false, "dW += (32,768)ᵀ·(32,768)"),
			mmCase(k, mmTN, cpu.DenseTN(1, 1408, 1408, 257), false, "dW (257,1408)ᵀ·(257,1408)"),
		)
	}
	texBackwardCases()
	texBatchedCases()
	for _, s := range []struct {
		rows, cols   int
		acc, browser bool
	}{{1, 1, false, true}, {5, 3, true, true}, {37, 70, false, true}, {257, 1408, true, false}, {64 * 32, 768, false, false},
		{3, 64, true, true}, {1088, 128, false, false}, {1280, 512, true, false}} {
		for _, kernel := range []string{"matmul_bwd_bias", "matmul_bwd_bias_tex"} {
			if kernel == "matmul_bwd_bias_tex" && s.cols%64 != 0 {
				continue // the _tex kernel takes rows of a multiple of 64
			}
			register(Case{
				Kernels: []string{kernel}, Shape: fmt.Sprintf("colsum (%d,%d) acc=%v", s.rows, s.cols, s.acc),
				Atol: 1e-6 + 1e-7*float64(s.rows), Rtol: 1e-6, Browser: s.browser,
				Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
					dy, db := randn(rng, s.rows*s.cols, 1), randn(rng, s.cols, 1)
					want := append([]float32(nil), db...)
					cpu.MatMulBackwardBias(want, dy, s.rows, s.cols, s.acc)
					tdy, tdb := d.Upload(dy, s.rows, s.cols), d.Upload(db, s.cols)
					d.BiasBackwardWith(kernel, tdb, tdy, s.acc)
					got, err := tdb.Read()
					tdy.Release()
					tdb.Release()
					return got, want, err
				},
			})
		}
	}
}
