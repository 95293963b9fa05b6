package cpu

// Host references of the three matmul layouts training needs. The matmul
// kernel family will bring its own twins; these carry a Ref suffix so that
// both can coexist until the trainer's swap points are moved over.

// MatMulNTRef is the forward of a Linear: out (m, n) = x (m, k) · wᵀ + bias,
// with w stored (n, k) as PyTorch does and bias (n) or nil.
func MatMulNTRef(out, x, w, bias []float32, m, k, n int) {
	for i := 0; i < m; i++ {
		xi := x[i*k : (i+1)*k]
		for j := 0; j < n; j++ {
			wj := w[j*k : (j+1)*k]
			var s float64
			for t, v := range xi {
				s += float64(v) * float64(wj[t])
			}
			if bias != nil {
				s += float64(bias[j])
			}
			out[i*n+j] = float32(s)
		}
	}
}

// MatMulNNRef is the input gradient of a Linear: out (m, n) = a (m, k) · b
// (k, n), i.e. dx = dy · w.
func MatMulNNRef(out, a, b []float32, m, k, n int) {
	acc := make([]float64, n)
	for i := 0; i < m; i++ {
		for j := range acc {
			acc[j] = 0
		}
		for t := 0; t < k; t++ {
			av := float64(a[i*k+t])
			if av == 0 {
				continue
			}
			bt := b[t*n : (t+1)*n]
			for j, bv := range bt {
				acc[j] += av * float64(bv)
			}
		}
		for j, v := range acc {
			out[i*n+j] = float32(v)
		}
	}
}

// MatMulTNRef is the weight gradient of a Linear: out (m, n) = aᵀ · b for a
// (k, m) and b (k, n), i.e. dw = dyᵀ · x summed over the k rows.
func MatMulTNRef(out, a, b []float32, k, m, n int) {
	acc := make([]float64, m*n)
	for t := 0; t < k; t++ {
		at, bt := a[t*m:(t+1)*m], b[t*n:(t+1)*n]
		for i, av := range at {
			if av == 0 {
				continue
			}
			row := acc[i*n : (i+1)*n]
			for j, bv := range bt {
				row[j] += float64(av) * float64(bv)
			}
		}
	}
	for i, v := range acc {
		out[i] = float32(v)
	}
}
