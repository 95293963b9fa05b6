package cpu

// EmbeddingForward is the twin of embedding_fwd: row i of out (n, c) is row
// ids[i]+offset of table (v, c). A row index outside the table gives a row
// of zeros (the kernel cannot fail; the Go op validates ids it uploads).
func EmbeddingForward(out []float32, ids []uint32, table []float32, n, v, c, offset int) {
	for i := 0; i < n; i++ {
		row := int(ids[i]) + offset
		for j := 0; j < c; j++ {
			if row < v {
				out[i*c+j] = table[row*c+j]
			} else {
				out[i*c+j] = 0
			}
		}
	}
}

// EmbeddingBackward is the twin of embedding_bwd: it adds row i of dy (n, c)
// into row ids[i]+offset of dtable (v, c), for i in increasing order, and
// skips rows outside the table. dtable is accumulated into, not cleared.
func EmbeddingBackward(dtable, dy []float32, ids []uint32, n, v, c, offset int) {
	for i := 0; i < n; i++ {
		row := int(ids[i]) + offset
		if row >= v {
			continue
		}
		for j := 0; j < c; j++ {
			dtable[row*c+j] += dy[i*c+j]
		}
	}
}
