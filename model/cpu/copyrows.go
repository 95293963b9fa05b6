package cpu

// CopyRowsForward is the twin of copyrows_fwd: for each block b < batch,
// dst rows dstStart..dstStart+n of a (dstRows, cols) block take src rows
// srcStart..srcStart+n of a (srcRows, cols) block.
func CopyRowsForward(dst, src []float32, batch, n, cols, srcRows, srcStart, dstRows, dstStart int) {
	for b := 0; b < batch; b++ {
		for i := 0; i < n*cols; i++ {
			dst[(b*dstRows+dstStart)*cols+i] = src[(b*srcRows+srcStart)*cols+i]
		}
	}
}
