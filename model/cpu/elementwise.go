package cpu

// MulForward is the twin of mul_fwd: out[i] = a[i]·b[i % bn], b broadcast
// as in add_fwd.
func MulForward(out, a, b []float32, n, bn int) {
	for i := 0; i < n; i++ {
		out[i] = a[i] * b[i%bn]
	}
}

// AxpyForward is the twin of axpy_fwd: out = alpha·x + y.
func AxpyForward(out, x, y []float32, n int, alpha float32) {
	for i := 0; i < n; i++ {
		out[i] = alpha*x[i] + y[i]
	}
}
