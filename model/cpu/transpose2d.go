package cpu

// Transpose2DForward is the twin of transpose2d_fwd: out (cols, rows) is
// x (rows, cols) transposed.
func Transpose2DForward(out, x []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = x[r*cols+c]
		}
	}
}
