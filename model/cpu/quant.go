package cpu

import "math"

// Weight-only quantization of Linear weights W (N×K, PyTorch (out, in)).
// Activations stay f32; the matmul_fwd_q8 / matmul_fwd_q4 kernels dequantize
// each weight in registers as float32(q)·scale, the very operation
// DequantizeQ8 / DequantizeQ4 perform, so a quantized product differs from
// MatMulForward on the dequantized weights by float summation order only.
//
// Q8: symmetric, one f32 scale per output channel (row of W):
// scale = max|w|/127, q = round(w/scale) in [-127, 127]. Four q per u32,
// little-endian: element k of row n is byte k%4 of word n·K/4 + k/4.
// K must be a multiple of 4.
//
// Q4: symmetric, group-wise along K with groups of Q4Group = 32: one f32
// scale per (row, group), scale = max|w|/7 over the group, q = round(w/scale)
// clamped to [-8, 7], stored as a two's-complement nibble. Eight q per u32:
// element k of row n is nibble k%8 (bits 4·(k%8)..) of word n·K/8 + k/8;
// scales are (N, K/32) row-major. K must be a multiple of 32. Symmetric
// rather than scale+min: one number per group, no zero-point arithmetic in
// the shader, and trained weights are close to zero-mean per group.

// Q4Group is the number of consecutive K elements sharing one Q4 scale.
const Q4Group = 32

func quantRange(w []float32, qmax float64) (scale float32, inv float64) {
	var m float64
	for _, v := range w {
		m = max(m, math.Abs(float64(v)))
	}
	if m == 0 {
		return 0, 0
	}
	scale = float32(m / qmax)
	return scale, 1 / float64(scale)
}

func roundClamp(v float64, lo, hi int) int {
	return min(max(int(math.RoundToEven(v)), lo), hi)
}

// QuantizeQ8 packs w (n×k) as int8 with per-row scales.
func QuantizeQ8(w []float32, n, k int) (q []uint32, scale []float32) {
	q, scale = make([]uint32, n*k/4), make([]float32, n)
	for j := 0; j < n; j++ {
		row := w[j*k : (j+1)*k]
		s, inv := quantRange(row, 127)
		scale[j] = s
		for t, v := range row {
			b := uint32(uint8(int8(roundClamp(float64(v)*inv, -127, 127))))
			q[j*k/4+t/4] |= b << (8 * (t % 4))
		}
	}
	return q, scale
}

// DequantizeQ8 is the inverse of QuantizeQ8: w = float32(q)·scale.
func DequantizeQ8(q []uint32, scale []float32, n, k int) []float32 {
	w := make([]float32, n*k)
	for j := 0; j < n; j++ {
		for t := 0; t < k; t++ {
			v := int8(q[j*k/4+t/4] >> (8 * (t % 4)))
			w[j*k+t] = float32(v) * scale[j]
		}
	}
	return w
}

// QuantizeQ4 packs w (n×k) as int4 with one scale per group of 32 along k.
func QuantizeQ4(w []float32, n, k int) (q []uint32, scale []float32) {
	g := k / Q4Group
	q, scale = make([]uint32, n*k/8), make([]float32, n*g)
	for j := 0; j < n; j++ {
		for gi := 0; gi < g; gi++ {
			grp := w[j*k+gi*Q4Group : j*k+(gi+1)*Q4Group]
			s, inv := quantRange(grp, 7)
			scale[j*g+gi] = s
			for i, v := range grp {
				t := gi*Q4Group + i
				nib := uint32(roundClamp(float64(v)*inv, -8, 7)) & 0xF
				q[j*k/8+t/8] |= nib << (4 * (t % 8))
			}
		}
	}
	return q, scale
}

// DequantizeQ4 is the inverse of QuantizeQ4: w = float32(q)·scale.
func DequantizeQ4(q []uint32, scale []float32, n, k int) []float32 {
	w := make([]float32, n*k)
	g := k / Q4Group
	for j := 0; j < n; j++ {
		for t := 0; t < k; t++ {
			nib := int32(q[j*k/8+t/8]<<(28-4*(t%8))) >> 28
			w[j*k+t] = float32(nib) * scale[j*g+t/Q4Group]
		}
	}
	return w
}

// quantDims is dims with B replaced by the dense dequantized (N×K) weight.
func quantDims(d MatMulDims) MatMulDims {
	d.B = Layout{Row: d.K}
	return d
}

// MatMulForwardQ8 is the twin of matmul_fwd_q8: MatMulForward with the
// dequantized weight wq (N×K/4 words) shared by every batch.
func MatMulForwardQ8(c, a []float32, wq []uint32, scale, bias []float32, d MatMulDims) {
	MatMulForward(c, a, DequantizeQ8(wq, scale, d.N, d.K), bias, quantDims(d))
}

// MatMulForwardQ4 is the twin of matmul_fwd_q4: MatMulForward with the
// dequantized weight wq (N×K/8 words, scales N×K/32) shared by every batch.
func MatMulForwardQ4(c, a []float32, wq []uint32, scale, bias []float32, d MatMulDims) {
	MatMulForward(c, a, DequantizeQ4(wq, scale, d.N, d.K), bias, quantDims(d))
}
