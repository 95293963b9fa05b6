package cpu

// AddForward is the twin of add_fwd: out[i] = a[i] + b[i % bn].
func AddForward(out, a, b []float32, n, bn int) {
	for i := 0; i < n; i++ {
		out[i] = a[i] + b[i%bn]
	}
}
