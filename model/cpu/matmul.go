package cpu

// Layout places a matrix operand in its buffer: element (i, j) of batch z is
// at Off + Outer·(z / inner) + Inner·(z % inner) + i·Row + j, where inner is
// MatMulDims.Inner. Two batch levels let a (B, T, H, D) tensor be used per
// head (z = b·H + h: Outer = T·H·D, Inner = D, Row = H·D) with no permute;
// Outer = Inner = 0 shares one matrix (a weight) across the batch.
type Layout struct{ Row, Off, Outer, Inner int }

// At is the index of element (i, j) of batch z.
func (l Layout) At(z, inner, i, j int) int {
	return l.Off + l.Outer*(z/inner) + l.Inner*(z%inner) + i*l.Row + j
}

// MatMulDims describes one batched matrix product over strided views. It
// mirrors the Params of the matmul kernels field for field.
type MatMulDims struct {
	M, N, K    int // C is M×N; K is the reduced dimension
	Batch      int // number of products
	Inner      int // batch z splits into (z / Inner, z % Inner); 1 for one level
	Bias       bool
	Accumulate bool // C += product instead of C = product (the NN and TN products)
	A, B, C    Layout
}

// denseDims lays out `batch` contiguous products: A stored aRows×aCols,
// B stored bRows×bCols, C M×N, one after the other.
func denseDims(batch, m, n, k, aRows, aCols, bRows, bCols int) MatMulDims {
	return MatMulDims{M: m, N: n, K: k, Batch: batch, Inner: 1,
		A: Layout{Row: aCols, Outer: aRows * aCols},
		B: Layout{Row: bCols, Outer: bRows * bCols},
		C: Layout{Row: n, Outer: m * n}}
}

// DenseNT is C = A·Bᵀ for contiguous A (batch, M, K), B (batch, N, K); a
// shared B when sharedB (a Linear weight).
func DenseNT(batch, m, n, k int, sharedB bool) MatMulDims {
	d := denseDims(batch, m, n, k, m, k, n, k)
	if sharedB {
		d.B.Outer = 0
	}
	return d
}

// DenseNN is C = A·B for contiguous A (batch, M, K), B (batch, K, N).
func DenseNN(batch, m, n, k int, sharedB bool) MatMulDims {
	d := denseDims(batch, m, n, k, m, k, k, n)
	if sharedB {
		d.B.Outer = 0
	}
	return d
}

// DenseTN is C = Aᵀ·B for contiguous A (batch, K, M), B (batch, K, N).
func DenseTN(batch, m, n, k int) MatMulDims {
	return denseDims(batch, m, n, k, k, m, k, n)
}

// MatMulForward is the twin of matmul_fwd and matmul_fwd_tiled:
// C[z][i][j] = Σ_k A[z][i][k]·B[z][j][k] (+ bias[j]).
func MatMulForward(c, a, b, bias []float32, d MatMulDims) {
	for z := 0; z < d.Batch; z++ {
		for i := 0; i < d.M; i++ {
			for j := 0; j < d.N; j++ {
				var s float64
				for k := 0; k < d.K; k++ {
					s += float64(a[d.A.At(z, d.Inner, i, k)]) * float64(b[d.B.At(z, d.Inner, j, k)])
				}
				if d.Bias {
					s += float64(bias[j])
				}
				c[d.C.At(z, d.Inner, i, j)] = float32(s)
			}
		}
	}
}

// MatMulBackwardInput is the twin of matmul_bwd_input, the NN product:
// C[z][i][j] (+)= Σ_k A[z][i][k]·B[z][k][j]. It gives the input gradient of a
// Linear (dX = dY·W, added to a residual's gradient with Accumulate) and
// attention's P·V.
func MatMulBackwardInput(c, a, b []float32, d MatMulDims) {
	for z := 0; z < d.Batch; z++ {
		for i := 0; i < d.M; i++ {
			for j := 0; j < d.N; j++ {
				var s float64
				for k := 0; k < d.K; k++ {
					s += float64(a[d.A.At(z, d.Inner, i, k)]) * float64(b[d.B.At(z, d.Inner, k, j)])
				}
				at := d.C.At(z, d.Inner, i, j)
				if d.Accumulate {
					s += float64(c[at])
				}
				c[at] = float32(s)
			}
		}
	}
}

// MatMulBackwardWeight is the twin of matmul_bwd_weight, the TN product:
// C[z][i][j] (+)= Σ_k A[z][k][i]·B[z][k][j]. It gives a Linear's weight
// gradient, dW = dYᵀ·X, with A = dY (tokens × out) and B = X (tokens × in).
func MatMulBackwardWeight(c, a, b []float32, d MatMulDims) {
	for z := 0; z < d.Batch; z++ {
		for i := 0; i < d.M; i++ {
			for j := 0; j < d.N; j++ {
				var s float64
				for k := 0; k < d.K; k++ {
					s += float64(a[d.A.At(z, d.Inner, k, i)]) * float64(b[d.B.At(z, d.Inner, k, j)])
				}
				at := d.C.At(z, d.Inner, i, j)
				if d.Accumulate {
					s += float64(c[at])
				}
				c[at] = float32(s)
			}
		}
	}
}

// MatMulBackwardBias is the twin of matmul_bwd_bias: the column sums of dc
// (rows × cols), added to db when accumulate, else written.
func MatMulBackwardBias(db, dc []float32, rows, cols int, accumulate bool) {
	for j := 0; j < cols; j++ {
		var s float64
		for i := 0; i < rows; i++ {
			s += float64(dc[i*cols+j])
		}
		if accumulate {
			s += float64(db[j])
		}
		db[j] = float32(s)
	}
}
