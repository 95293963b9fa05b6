package gpu

import (
	"strings"

	"blip2/model/cpu"
)

// matmulParams mirrors the Params struct shared by the matmul kernels.
type matmulParams struct {
	M, N, K, Batch                 uint32
	Inner, Flags, ARow, BRow       uint32
	CRow, AOff, BOff, COff         uint32
	AOuter, AInner, BOuter, BInner uint32
	COuter, CInner, _, _           uint32
}

func toParams(d cpu.MatMulDims) matmulParams {
	var f uint32
	if d.Bias {
		f |= 1
	}
	if d.Accumulate {
		f |= 2
	}
	u := func(v int) uint32 { return uint32(v) }
	return matmulParams{M: u(d.M), N: u(d.N), K: u(d.K), Batch: u(d.Batch), Inner: u(d.Inner), Flags: f,
		ARow: u(d.A.Row), BRow: u(d.B.Row), CRow: u(d.C.Row), AOff: u(d.A.Off), BOff: u(d.B.Off), COff: u(d.C.Off),
		AOuter: u(d.A.Outer), AInner: u(d.A.Inner), BOuter: u(d.B.Outer), BInner: u(d.B.Inner),
		COuter: u(d.C.Outer), CInner: u(d.C.Inner)}
}

// matmulTiles is the block of C one workgroup computes, per kernel: rows,
// columns.
var matmulTiles = map[string][2]int{
	"matmul_fwd":        {32, 128},
	"matmul_fwd_tex":    {32, 128},
	"matmul_fwd_tiled":  {64, 64},
	"matmul_fwd_q8":     {16, 256},
	"matmul_fwd_q4":     {16, 256},
	"matmul_bwd_input":  {16, 128},
	"matmul_bwd_weight": {16, 128},
	// The _tex kernels: TM×TN = 32×16 per invocation, 8 invocations.
	"matmul_bwd_input_tex":  {32, 128},
	"matmul_bwd_weight_tex": {32, 128},
}

// MatMulVariant names the kernel a product uses on this adapter: the
// register-blocked one on CPU-class adapters (lavapipe, SwiftShader), the
// workgroup-memory tiled one (suffix _tiled) on real GPUs.
func (d *Device) MatMulVariant(base string) string {
	if _, ok := matmulTiles[base+"_tiled"]; ok && d.Info.Class == "gpu" {
		return base + "_tiled"
	}
	return base
}

// viewEnd is one past the last element a rows×cols view touches over its
// batches (strides are not negative).
func viewEnd(l cpu.Layout, batch, inner, rows, cols int) int {
	zo, zi := (batch-1)/inner, min(batch, inner)-1
	return l.Off + l.Outer*zo + l.Inner*zi + (rows-1)*l.Row + cols
}

// checkView reports whether a rows×cols view, for every batch, stays inside
// a buffer of n elements.
func checkView(l cpu.Layout, batch, inner, rows, cols, n int) bool {
	if rows == 0 || cols == 0 || batch == 0 {
		return true
	}
	return l.Off >= 0 && l.Outer >= 0 && l.Inner >= 0 && l.Row >= 0 && viewEnd(l, batch, inner, rows, cols) <= n
}

// matmul validates dims against the tensors and dispatches kernel. aRows ×
// aCols and bRows × bCols are the stored shapes of the A and B views.
func (d *Device) matmul(op, kernel string, dims cpu.MatMulDims, aRows, aCols, bRows, bCols int, c, a, b *Tensor, extra ...*Tensor) {
	if dims.Inner <= 0 {
		dims.Inner = 1
	}
	tile, ok := matmulTiles[kernel]
	switch {
	case !ok:
		d.failf("%s: unknown kernel %q", op, kernel)
	case dims.M <= 0 || dims.N <= 0 || dims.K <= 0 || dims.Batch <= 0:
		d.failf("%s: empty product M=%d N=%d K=%d batch=%d", op, dims.M, dims.N, dims.K, dims.Batch)
	case !checkView(dims.A, dims.Batch, dims.Inner, aRows, aCols, a.n):
		d.failf("%s: A view %d×%d %+v ×%d batches overruns A %v", op, aRows, aCols, dims.A, dims.Batch, a.shape)
	case !checkView(dims.B, dims.Batch, dims.Inner, bRows, bCols, b.n):
		d.failf("%s: B view %d×%d %+v ×%d batches overruns B %v", op, bRows, bCols, dims.B, dims.Batch, b.shape)
	case !checkView(dims.C, dims.Batch, dims.Inner, dims.M, dims.N, c.n):
		d.failf("%s: C view %d×%d %+v ×%d batches overruns C %v", op, dims.M, dims.N, dims.C, dims.Batch, c.shape)
	case strings.HasSuffix(kernel, "_tex"):
		d.matmulTex(op, kernel, a, b, dims, append([]*Tensor{c}, extra...))
	default:
		g := [3]uint32{uint32((dims.N + tile[1] - 1) / tile[1]), uint32((dims.M + tile[0] - 1) / tile[0]), uint32(dims.Batch)}
		d.profileFlops(dims)
		d.Dispatch(kernel, g, toParams(dims), append([]*Tensor{c, a, b}, extra...)...)
	}
}

// MatMulNT writes C = A·Bᵀ (+ bias) into c over the views in dims (bias may
// be nil). Kernel matmul_fwd_tex on CPU-class adapters when both operands
// can be copied into textures (K a multiple of 4, rows 64-element
// aligned), else matmul_fwd; matmul_fwd_tiled on GPUs. Twin
// cpu.MatMulForward.
func (d *Device) MatMulNT(c, a, b, bias *Tensor, dims cpu.MatMulDims) {
	d.MatMulNTWith(d.texVariant("matmul_fwd", dims, a.n, b.n), c, a, b, bias, dims)
}

// NTKernel names the kernel MatMulNT runs for dims on this adapter, with
// buffers just long enough for the views.
func (d *Device) NTKernel(dims cpu.MatMulDims) string {
	an, bn := viewLens(dims, dims.M, dims.K, dims.N, dims.K)
	return d.texVariant("matmul_fwd", dims, an, bn)
}

// viewLens is the buffer lengths A and B views of aRows×aCols and
// bRows×bCols take over the batches of dims.
func viewLens(dims cpu.MatMulDims, aRows, aCols, bRows, bCols int) (an, bn int) {
	inner := max(dims.Inner, 1)
	return viewEnd(dims.A, dims.Batch, inner, aRows, aCols), viewEnd(dims.B, dims.Batch, inner, bRows, bCols)
}

// MatMulNTWith is MatMulNT on a named kernel variant (parity tests run both).
func (d *Device) MatMulNTWith(kernel string, c, a, b, bias *Tensor, dims cpu.MatMulDims) {
	dims.Bias = bias != nil
	if dims.Accumulate {
		d.failf("matmul NT: the forward kernels do not accumulate")
		return
	}
	if bias == nil {
		bias = a // never read (the flag is off); a read-only binding, since WebGPU forbids binding the written c twice
	} else if bias.n < dims.N {
		d.failf("matmul NT: bias %v shorter than N=%d", bias.shape, dims.N)
		return
	}
	d.matmul("matmul NT", kernel, dims, dims.M, dims.K, dims.N, dims.K, c, a, b, bias)
}

// MatMulNN writes (or, with dims.Accumulate, adds) C = A·B into c
// (attention's P·V; a Linear's dX = dY·W).
// Kernel matmul_bwd_input_tex on CPU-class adapters when both operands can
// be copied into textures (N a multiple of 4, rows 64-element aligned),
// else matmul_bwd_input; twin cpu.MatMulBackwardInput.
func (d *Device) MatMulNN(c, a, b *Tensor, dims cpu.MatMulDims) {
	d.MatMulNNWith(d.texVariant("matmul_bwd_input", dims, a.n, b.n), c, a, b, dims)
}

// NNKernel names the kernel MatMulNN runs for dims on this adapter, with
// buffers just long enough for the views.
func (d *Device) NNKernel(dims cpu.MatMulDims) string {
	an, bn := viewLens(dims, dims.M, dims.K, dims.K, dims.N)
	return d.texVariant("matmul_bwd_input", dims, an, bn)
}

// MatMulNNWith is MatMulNN on a named kernel variant.
func (d *Device) MatMulNNWith(kernel string, c, a, b *Tensor, dims cpu.MatMulDims) {
	dims.Bias = false
	d.matmul("matmul NN", kernel, dims, dims.M, dims.K, dims.K, dims.N, c, a, b)
}

// MatMulTN writes (or, with dims.Accumulate, adds) C = Aᵀ·B into c: a
// Linear's dW = dYᵀ·X. Kernel matmul_bwd_weight_tex on CPU-class adapters
// when both operands can be copied into textures (N a multiple of 4, rows
// 64-element aligned; any K and M), else matmul_bwd_weight;
// twin cpu.MatMulBackwardWeight.
func (d *Device) MatMulTN(c, a, b *Tensor, dims cpu.MatMulDims) {
	d.MatMulTNWith(d.texVariant("matmul_bwd_weight", dims, a.n, b.n), c, a, b, dims)
}

// TNKernel names the kernel MatMulTN runs for dims on this adapter, with
// buffers just long enough for the views.
func (d *Device) TNKernel(dims cpu.MatMulDims) string {
	an, bn := viewLens(dims, dims.K, dims.M, dims.K, dims.N)
	return d.texVariant("matmul_bwd_weight", dims, an, bn)
}

// MatMulTNWith is MatMulTN on a named kernel variant.
func (d *Device) MatMulTNWith(kernel string, c, a, b *Tensor, dims cpu.MatMulDims) {
	dims.Bias = false
	d.matmul("matmul TN", kernel, dims, dims.K, dims.M, dims.K, dims.N, c, a, b)
}
