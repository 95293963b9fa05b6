package weights

import "fmt"

// Quantized is a weight stored with the int8 or int4 layout of the matmul
// kernels (see cpu.QuantizeQ8 and cpu.QuantizeQ4): Codes packs the (N, K)
// values row by row, Scales holds one f32 per Group values of a row. A
// bound Param keeps it beside its dequantized Data so a GPU backend can
// upload the packed form, four or eight times smaller, and run the
// quantized kernels on it.
type Quantized struct {
	DType  string // "q8" or "q4"
	Group  int    // values per scale: K for q8, 32 for q4
	Codes  []uint32
	Scales []float32
}

// perWord is the number of values packed in one code word.
func (q *Quantized) perWord() int {
	if q.DType == "q4" {
		return 8
	}
	return 4
}

// Rows returns rows r0..r1 of an (n, k) quantized matrix: the vision
// encoder splits its fused qkv weight this way.
func (q *Quantized) Rows(r0, r1, k int) (*Quantized, error) {
	if k%q.perWord() != 0 || k%q.Group != 0 || r0 < 0 || r1 < r0 {
		return nil, fmt.Errorf("quantized rows %d..%d of width %d (group %d)", r0, r1, k, q.Group)
	}
	w, s := k/q.perWord(), k/q.Group
	if r1*w > len(q.Codes) || r1*s > len(q.Scales) {
		return nil, fmt.Errorf("quantized rows %d..%d past the matrix", r0, r1)
	}
	return &Quantized{DType: q.DType, Group: q.Group, Codes: q.Codes[r0*w : r1*w], Scales: q.Scales[r0*s : r1*s]}, nil
}

// QuantStore is a Store that can also return a tensor's packed form.
type QuantStore interface {
	// ReadQuant returns the packed tensor, or nil if it is stored as floats.
	ReadQuant(name string) (*Quantized, error)
}
