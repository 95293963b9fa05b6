package cpu

// CopyRows describes a block-strided copy; its fields are copyrows_fwd's
// Params in order.
type CopyRows struct {
	Batch, N, Cols             int
	SrcBlock, SrcRow, SrcStart int
	DstBlock, DstRow, DstStart int
}

// CopyRowsForward is the twin of copyrows_fwd: for each block b < Batch and
// row i < N, Cols values move from src[b·SrcBlock + (SrcStart+i)·SrcRow + c]
// to dst[b·DstBlock + (DstStart+i)·DstRow + c].
func CopyRowsForward(dst, src []float32, p CopyRows) {
	for b := 0; b < p.Batch; b++ {
		for i := 0; i < p.N; i++ {
			for c := 0; c < p.Cols; c++ {
				dst[b*p.DstBlock+(p.DstStart+i)*p.DstRow+c] = src[b*p.SrcBlock+(p.SrcStart+i)*p.SrcRow+c]
			}
		}
	}
}

// SeqRows is the copy of n positions of a (B, Tsrc, C) tensor from srcStart
// into positions dstStart.. of a (B, Tdst, C) one.
func SeqRows(batch, n, cols, srcRows, srcStart, dstRows, dstStart int) CopyRows {
	return CopyRows{Batch: batch, N: n, Cols: cols,
		SrcBlock: srcRows * cols, SrcRow: cols, SrcStart: srcStart,
		DstBlock: dstRows * cols, DstRow: cols, DstStart: dstStart}
}
