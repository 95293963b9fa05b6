package gpu

type copyRowsParams struct {
	Batch, N, Cols, SrcRows, SrcStart, DstRows, DstStart, Stride uint32
}

// copyRows records dst[b, dstStart+i, :] = src[b, srcStart+i, :] for i < n
// over 3-D (B, T, C) views. Kernel copyrows_fwd; twin cpu.CopyRowsForward.
func (d *Device) copyRows(dst, src *Tensor, n, srcStart, dstStart int) {
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
	if n == 0 || cols == 0 {
		return
	}
	g, stride := Groups1D(batch*n*cols, 256)
	d.Dispatch("copyrows_fwd", g, copyRowsParams{uint32(batch), uint32(n), uint32(cols), uint32(srcRows), uint32(srcStart), uint32(dstRows), uint32(dstStart), stride}, dst, src)
}

// Rows returns positions start..start+n of axis 1 of x (B, T, …).
func (d *Device) Rows(x *Tensor, start, n int) *Tensor {
	shape := append([]int{x.Dim(0), n}, x.shape[2:]...)
	out := d.Scratch(shape...)
	d.copyRows(out, x, n, start, 0)
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
	d.copyRows(out, a, a.Dim(1), 0, 0)
	d.copyRows(out, b, b.Dim(1), 0, a.Dim(1))
	return out
}
