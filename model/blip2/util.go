package blip2

import (
	"blip2/model/nn"
	"blip2/model/weights"
)

// repeat uploads `batch` copies of a parameter (the CLS token, the query
// tokens) as one (batch, rows, cols) tensor: PyTorch's expand.
func repeat(b nn.Backend, p *weights.Param, batch, rows, cols int) nn.Tensor {
	data := make([]float32, 0, batch*len(p.Data))
	for i := 0; i < batch; i++ {
		data = append(data, p.Data...)
	}
	return b.Upload(data, batch, rows, cols)
}

// keyMask turns a 0/1 attention mask (B, T) into the additive bias the
// reference uses, (1 − m)·−10000, uploaded as (B, T).
func keyMask(b nn.Backend, mask [][]int) nn.Tensor {
	batch, t := len(mask), len(mask[0])
	data := make([]float32, 0, batch*t)
	for _, row := range mask {
		for _, m := range row {
			data = append(data, float32(1-m)*-10000)
		}
	}
	return b.Upload(data, batch, t)
}

// ones is a (batch, n) mask of ones.
func ones(batch, n int) [][]int {
	out := make([][]int, batch)
	for i := range out {
		out[i] = make([]int, n)
		for j := range out[i] {
			out[i][j] = 1
		}
	}
	return out
}

// joinMasks concatenates two (B, ·) masks along the sequence.
func joinMasks(a, b [][]int) [][]int {
	out := make([][]int, len(b))
	for i := range b {
		var ai []int
		if a != nil {
			ai = a[i]
		}
		out[i] = append(append([]int(nil), ai...), b[i]...)
	}
	return out
}
