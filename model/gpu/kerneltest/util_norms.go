package kerneltest

import (
	"math/rand/v2"

	"blip2/model/gpu"
)

// readAll reads the tensors in order, concatenated, and releases them, so a
// case can check several outputs of one kernel against one tolerance.
func readAll(ts ...*gpu.Tensor) ([]float32, error) {
	var out []float32
	var first error
	for _, t := range ts {
		v, err := t.Read()
		if err != nil && first == nil {
			first = err
		}
		out = append(out, v...)
		t.Release()
	}
	return out, first
}

func concat(vs ...[]float32) []float32 {
	var out []float32
	for _, v := range vs {
		out = append(out, v...)
	}
	return out
}

// randnShift is randn plus a constant: rows with |mean| >> std check that a
// normalisation subtracts the mean before squaring.
func randnShift(rng *rand.Rand, n int, s, shift float32) []float32 {
	v := randn(rng, n, s)
	for i := range v {
		v[i] += shift
	}
	return v
}

func release(ts ...*gpu.Tensor) {
	for _, t := range ts {
		t.Release()
	}
}

// rowShape describes a (rows, cols) case: the real BLIP-2 widths, widths
// that are not multiples of 4 or of the workgroup, one row, one column.
type rowShape struct {
	rows, cols int
	browser    bool
}

var rowShapes = []rowShape{
	{1, 1, true}, {3, 7, true}, {5, 37, true}, {4, 300, true},
	{1, 768, false}, {32, 768, false}, {32, 1408, false}, {257, 1408, false}, {70, 33, false},
}
