//go:build !(js && wasm)

package gpu

import (
	"math"
	"strings"
	"testing"

	"blip2/model/cpu"
)

func TestNTKernelTakesTexturesOnlyForCopyableViews(t *testing.T) {
	d := openTest(t)
	if d.Info.Class != "cpu" {
		if got := d.NTKernel(cpu.DenseNT(1, 64, 64, 64, true)); got != "matmul_fwd_tiled" {
			t.Fatalf("GPU-class adapter %s: NT kernel %q, want matmul_fwd_tiled", d.Info, got)
		}
		return
	}
	offset := cpu.DenseNT(1, 9, 11, 64, false)
	offset.A = cpu.Layout{Row: 192, Off: 2}
	offBatch := cpu.DenseNT(2, 3, 11, 64, false)
	offBatch.A.Outer = 3*64 + 2
	for _, c := range []struct {
		dims cpu.MatMulDims
		want string
	}{
		{cpu.DenseNT(1, 257, 1408, 1408, true), "matmul_fwd_tex"},
		{cpu.DenseNT(1, 1, 3, 64, true), "matmul_fwd_tex"},
		{cpu.DenseNT(1, 32, 32, 33, true), "matmul_fwd"},     // K not a multiple of 4
		{cpu.DenseNT(1, 32, 32, 32, true), "matmul_fwd"},     // rows of 128 bytes
		{cpu.DenseNT(2, 32, 64, 64, true), "matmul_fwd_tex"}, // two batches, one texture
		{offset, "matmul_fwd"},                               // offset inside a texel
		{offBatch, "matmul_fwd"},                             // batch 1 inside a texel
	} {
		if got := d.NTKernel(c.dims); got != c.want {
			t.Errorf("%+v: NT kernel %q, want %q", c.dims, got, c.want)
		}
	}
}

func TestTextureKernelRefusesViewsItCannotCopy(t *testing.T) {
	d := openTest(t)
	a, b, c := d.Zeros(4*33), d.Zeros(4*33), d.Zeros(16)
	d.MatMulNTWith("matmul_fwd_tex", c, a, b, nil, cpu.DenseNT(1, 4, 4, 33, true))
	if err := d.Recover(); err == nil || !strings.Contains(err.Error(), "K=33") {
		t.Fatalf("want a refusal naming K=33, got %v", err)
	}
}

// Two products of one shape in one batch copy their operands into the same
// pooled textures; each must still see its own weights.
func TestPooledTexturesKeepTheOrderOfOneBatch(t *testing.T) {
	d := openTest(t)
	const m, n, k = 5, 7, 64
	x := make([]float32, m*k)
	w1, w2 := make([]float32, n*k), make([]float32, n*k)
	for i := range x {
		x[i] = float32(i%13) - 6
	}
	for i := range w1 {
		w1[i], w2[i] = float32(i%7)-3, float32(i%5)-2
	}
	tx, tw1, tw2 := d.Upload(x, m, k), d.Upload(w1, n, k), d.Upload(w2, n, k)
	if got := d.NTKernel(cpu.DenseNT(1, m, n, k, true)); d.Info.Class == "cpu" && got != "matmul_fwd_tex" {
		t.Fatalf("the test needs the texture kernel, got %q", got)
	}
	y1, y2 := d.Linear(tx, tw1, nil), d.Linear(tx, tw2, nil)
	for i, c := range []struct {
		y *Tensor
		w []float32
	}{{y1, w1}, {y2, w2}} {
		got, err := c.y.Read()
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, m*n)
		cpu.MatMulForward(want, x, c.w, nil, cpu.DenseNT(1, m, n, k, true))
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-4 {
				t.Fatalf("product %d, element %d: %v, want %v", i+1, j, got[j], want[j])
			}
		}
	}
}

func TestBackwardKernelsTakeTexturesOnlyForCopyableViews(t *testing.T) {
	d := openTest(t)
	if d.Info.Class != "cpu" {
		if nn, tn := d.NNKernel(cpu.DenseNN(1, 64, 64, 64, true)), d.TNKernel(cpu.DenseTN(1, 64, 64, 64)); nn != "matmul_bwd_input" || tn != "matmul_bwd_weight" {
			t.Fatalf("GPU-class adapter %s: NN %q, TN %q, want the storage-buffer kernels", d.Info, nn, tn)
		}
		return
	}
	narrowB := cpu.DenseNN(1, 257, 300, 1408, true) // B rows of 300 elements
	offsetC := cpu.DenseTN(1, 64, 64, 32)
	offsetC.C.Off = 2
	for _, c := range []struct {
		nn   bool
		dims cpu.MatMulDims
		want string
	}{
		{true, cpu.DenseNN(1, 257, 1408, 1408, true), "matmul_bwd_input_tex"},
		{true, cpu.DenseNN(1, 32, 768, 768, true), "matmul_bwd_input_tex"},
		{true, cpu.DenseNN(1, 32, 64, 33, true), "matmul_bwd_input"}, // rows of 33 elements
		{true, cpu.DenseNN(1, 32, 30, 64, true), "matmul_bwd_input"}, // N not a multiple of 4
		{true, narrowB, "matmul_bwd_input"},
		{true, cpu.DenseNN(2, 32, 64, 64, true), "matmul_bwd_input_tex"}, // two batches
		{false, cpu.DenseTN(1, 1408, 1408, 257), "matmul_bwd_weight_tex"},
		{false, cpu.DenseTN(1, 768, 768, 33), "matmul_bwd_weight_tex"}, // any K
		{false, cpu.DenseTN(1, 30, 64, 64), "matmul_bwd_weight"},       // rows of 30 elements
		{false, cpu.DenseTN(1, 64, 32, 64), "matmul_bwd_weight"},       // B rows of 128 bytes
		{false, cpu.DenseTN(2, 64, 64, 64), "matmul_bwd_weight_tex"},
		{false, offsetC, "matmul_bwd_weight"}, // C not vec4-aligned
	} {
		got := d.TNKernel(c.dims)
		if c.nn {
			got = d.NNKernel(c.dims)
		}
		if got != c.want {
			t.Errorf("%+v: kernel %q, want %q", c.dims, got, c.want)
		}
	}
}

func TestBackwardTextureKernelsRefuseViewsTheyCannotCopy(t *testing.T) {
	d := openTest(t)
	a, b, c := d.Zeros(64*64), d.Zeros(64*64), d.Zeros(2*64*64)
	offsetC := cpu.DenseTN(1, 64, 64, 8)
	offsetC.C.Off = 2
	straddle := cpu.DenseNN(2, 8, 64, 8, true)
	straddle.A.Row, straddle.A.Outer = 64, 8*64+60 // batch 1's rows cross the row stride
	// K = 30 reads a last texel of 32: two elements past a buffer that ends
	// with the view.
	partialK := cpu.DenseNN(1, 8, 64, 30, true)
	partialK.A.Row = 64
	tight := d.Zeros(7*64 + 30)
	wideM := cpu.DenseTN(1, 66, 64, 8)
	wideM.A.Row = 64
	for _, r := range []struct {
		nn   bool
		dims cpu.MatMulDims
		a    *Tensor // nil: a
		want string
	}{
		{true, cpu.DenseNN(1, 8, 30, 64, true), nil, "B: N=30"},
		{true, partialK, tight, "A: 8 rows of stride 64 from 0 overrun the buffer"},
		{true, straddle, nil, "batch 1's rows cross the row stride 64"},
		{false, wideM, nil, "A: batch 0's rows cross the row stride 64"},
		{false, cpu.DenseTN(1, 64, 32, 8), nil, "B: row stride 32"},
		{false, offsetC, nil, "C: offset 2"},
	} {
		ta := a
		if r.a != nil {
			ta = r.a
		}
		kernel := "matmul_bwd_weight_tex"
		if r.nn {
			kernel = "matmul_bwd_input_tex"
			d.MatMulNNWith(kernel, c, ta, b, r.dims)
		} else {
			d.MatMulTNWith(kernel, c, ta, b, r.dims)
		}
		err := d.Recover()
		if err == nil || !strings.Contains(err.Error(), kernel) || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s on %+v: want a refusal naming %q, got %v", kernel, r.dims, r.want, err)
		}
	}
}

// Per-head attention products read their operands in place from one
// texture each; ITM's scores, pairs × heads × tokens rows, are taller than
// a texture may be and run as several dispatches of whole pairs.
func TestBatchedTextureProductsSplitOnlyWhatDoesNotFit(t *testing.T) {
	d := openTest(t)                                  // the plan depends on the texture limit, not the adapter class
	pv := func(b, tq, tk, h, dh int) cpu.MatMulDims { // P (B,H,Tq,Tk)·V (B,Tk,H·dh)
		return cpu.MatMulDims{M: tq, N: dh, K: tk, Batch: b * h, Inner: h,
			A: cpu.Layout{Row: tk, Outer: h * tq * tk, Inner: tq * tk}, B: cpu.Layout{Row: h * dh, Outer: tk * h * dh, Inner: dh},
			C: cpu.Layout{Row: h * dh, Outer: tq * h * dh, Inner: dh}}
	}
	chunks := func(dims cpu.MatMulDims) ([]texPlan, string) {
		an, bn := viewLens(dims, dims.M, dims.K, dims.K, dims.N)
		return d.texChunks("matmul_bwd_input_tex", dims, an, bn)
	}
	small, _ := chunks(pv(32, 64, 64, 4, 64))
	if len(small) != 1 {
		t.Errorf("32 pairs: %d dispatches, want 1", len(small))
	}
	lim := int(d.Info.MaxTexture2D)
	pairs := 4 * lim / (4 * 64) // scores of 4·lim rows
	big, why := chunks(pv(pairs, 64, 64, 4, 64))
	if why != "" || len(big) < 4 {
		t.Fatalf("%d pairs: %d dispatches (%s), want 4 or more", pairs, len(big), why)
	}
	next := 0
	for _, p := range big {
		ch, ar := p.dims, p.a
		if ceilPow2(ar.rows) > lim || ch.Batch%4 != 0 || ch.A.Off != next*4*64*64 {
			t.Fatalf("chunk %+v: %d rows of scores from pair %d", ch, ar.rows, next)
		}
		next += ch.Batch / 4
	}
	if next != pairs {
		t.Fatalf("chunks cover %d pairs of %d", next, pairs)
	}
}
