package gpu

import "blip2/model/cpu"

type copyRowsParams struct {
	Batch, N, Cols             uint32
	SrcBlock, SrcRow, SrcStart uint32
	DstBlock, DstRow, DstStart uint32
	Stride                     uint32
	_, _                       uint32
}

// CopyRows records the block-strided copy p from src into dst. Kernel
// copyrows_fwd; twin cpu.CopyRowsForward.
func (d *Device) CopyRows(dst, src *Tensor, p cpu.CopyRows) {
	last := func(block, row, start int) int { return (p.Batch-1)*block + (start+p.N-1)*row + p.Cols }
	if p.Batch <= 0 || p.N <= 0 || p.Cols <= 0 {
		return
	}
	if min(p.SrcBlock, p.SrcRow, p.SrcStart, p.DstBlock, p.DstRow, p.DstStart) < 0 ||
		last(p.SrcBlock, p.SrcRow, p.SrcStart) > src.n || last(p.DstBlock, p.DstRow, p.DstStart) > dst.n {
		d.failf("copy rows %+v: out of range for src %v, dst %v", p, src.shape, dst.shape)
		return
	}
	g, stride := Groups1D(p.Batch*p.N*p.Cols, 256)
	d.Dispatch("copyrows_fwd", g, copyRowsParams{uint32(p.Batch), uint32(p.N), uint32(p.Cols),
		uint32(p.SrcBlock), uint32(p.SrcRow), uint32(p.SrcStart), uint32(p.DstBlock), uint32(p.DstRow), uint32(p.DstStart), stride, 0, 0}, dst, src)
}

// copySeq copies n positions along axis 1 of (B, T, …) views.
func (d *Device) copySeq(dst, src *Tensor, n, srcStart, dstStart int) {
	if len(src.shape) < 2 || len(dst.shape) < 2 || src.shape[0] != dst.shape[0] {
		d.failf("copy rows: %v into %v", src.shape, dst.shape)
		return
	}
	batch, srcRows, dstRows := src.shape[0], src.shape[1], dst.shape[1]
	cols := src.n / max(batch*srcRows, 1)
	if dst.n/max(batch*dstRows, 1) != cols || srcStart < 0 || dstStart < 0 || srcStart+n > srcRows || dstStart+n > dstRows {
		d.failf("copy rows %d..%d of %v into rows %d.. of %v", srcStart, srcStart+n, src.shape, dstStart, dst.shape)
		return
	}
	d.CopyRows(dst, src, cpu.SeqRows(batch, n, cols, srcRows, srcStart, dstRows, dstStart))
}

// Rows returns positions start..start+n of axis 1 of x (B, T, …).
func (d *Device) Rows(x *Tensor, start, n int) *Tensor {
	shape := append([]int{x.Dim(0), n}, x.shape[2:]...)
	out := d.Scratch(shape...)
	d.copySeq(out, x, n, start, 0)
	return out
}

// Concat joins a (B, Ta, …) and b (B, Tb, …) along axis 1.
func (d *Device) Concat(a, b *Tensor) *Tensor {
	if len(a.shape) < 2 || len(b.shape) != len(a.shape) {
		d.failf("concat %v and %v", a.shape, b.shape)
		return a
	}
	shape := append([]int{a.Dim(0), a.Dim(1) + b.Dim(1)}, a.shape[2:]...)
	out := d.Scratch(shape...)
	d.copySeq(out, a, a.Dim(1), 0, 0)
	d.copySeq(out, b, b.Dim(1), 0, a.Dim(1))
	return out
}

// PadLast copies x (…, D) into zeros of shape (…, D2), D2 ≥ D: a head
// dimension padded to what a kernel accepts.
func (d *Device) PadLast(x *Tensor, d2 int) *Tensor {
	rows, cols := x.Rows(), x.Cols()
	shape := append(append([]int(nil), x.shape[:len(x.shape)-1]...), d2)
	out := d.Zeros(shape...)
	d.CopyRows(out, x, cpu.CopyRows{Batch: rows, N: 1, Cols: cols, SrcBlock: cols, SrcRow: cols, DstBlock: d2, DstRow: d2})
	return out
}

// TrimLast is the inverse of PadLast: x (…, D2) → (…, dim).
func (d *Device) TrimLast(x *Tensor, dim int) *Tensor {
	rows, cols := x.Rows(), x.Cols()
	shape := append(append([]int(nil), x.shape[:len(x.shape)-1]...), dim)
	out := d.Scratch(shape...)
	d.CopyRows(out, x, cpu.CopyRows{Batch: rows, N: 1, Cols: dim, SrcBlock: cols, SrcRow: cols, DstBlock: dim, DstRow: dim})
	return out
}

// PaddedHeadDim is the head dimension the fused attention kernels read
// (they load heads as vec4): dim rounded up to a multiple of 4.
func PaddedHeadDim(dim int) int { return (dim + 3) / 4 * 4 }

// PadHeads zero-pads each head of x (B, T, H·D) to pd columns, giving
// (B, T, H·pd). Zero columns change neither attention scores nor weighted
// sums.
func (d *Device) PadHeads(x *Tensor, heads, pd int) *Tensor {
	b, t := x.Dim(0), x.Dim(1)
	return d.PadLast(x.Reshape(b, t, heads, x.Dim(2)/heads), pd).Reshape(b, t, heads*pd)
}

// TrimHeads is the inverse of PadHeads: x (B, T, H·pd) → (B, T, H·dim).
func (d *Device) TrimHeads(x *Tensor, heads, dim int) *Tensor {
	b, t := x.Dim(0), x.Dim(1)
	return d.TrimLast(x.Reshape(b, t, heads, x.Dim(2)/heads), dim).Reshape(b, t, heads*dim)
}
