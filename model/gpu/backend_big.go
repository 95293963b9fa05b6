package gpu

import (
	"blip2/model/cpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// rowChunks is a weight too large for one storage binding (a 50272-row
// vocabulary is 515 MB in f32; WebGPU's default binding limit is 128 MiB):
// its rows live in several tensors. Only the two ops such weights meet take
// it: Embed, which gathers its rows on the host, and Linear, which runs once
// per chunk and writes each chunk's columns of the output.
type rowChunks struct {
	p     *weights.Param
	parts []*Tensor
	rows  []int // first row of each part
	shape []int
}

func (c *rowChunks) Shape() []int { return append([]int(nil), c.shape...) }

// chunk uploads p in row blocks that each fit the binding limit.
func (b *Backend) chunk(p *weights.Param, shape []int) *rowChunks {
	c := &rowChunks{p: p, shape: shape}
	rowBytes := uint64(4 * numel(shape[1:]))
	per := max(1, int(b.ChunkBytes/rowBytes))
	cols := numel(shape[1:])
	for r := 0; r < shape[0]; r += per {
		n := min(per, shape[0]-r)
		t := b.D.Upload(p.Data[r*cols:(r+n)*cols], append([]int{n}, shape[1:]...)...)
		b.owned[t.buf] = true
		c.parts, c.rows = append(c.parts, t), append(c.rows, r)
	}
	return c
}

// embedHost gathers rows of a chunked table on the host and uploads them.
func (b *Backend) embedHost(c *rowChunks, ids []int) nn.Tensor {
	cols := numel(c.shape[1:])
	out := make([]float32, 0, len(ids)*cols)
	for i, id := range ids {
		if id < 0 || id >= c.shape[0] {
			b.D.failf("embed: id %d at position %d is outside a table of %d rows", id, i, c.shape[0])
			return b.D.Scratch(len(ids), cols)
		}
		out = append(out, c.p.Data[id*cols:(id+1)*cols]...)
	}
	return b.D.Upload(out, len(ids), cols)
}

// linearChunks is x·wᵀ (+ bias) for a chunked w: one product per chunk,
// each written into its columns of the (…, N) output.
func (b *Backend) linearChunks(x *Tensor, w *rowChunks, bias *Tensor) nn.Tensor {
	rows, n := x.Rows(), w.shape[0]
	shape := append(append([]int(nil), x.shape[:len(x.shape)-1]...), n)
	out := b.D.Scratch(shape...)
	for i, part := range w.parts {
		var pb *Tensor
		if bias != nil {
			pb = b.D.Scratch(part.Dim(0))
			b.D.CopyRows(pb, bias, cpu.CopyRows{Batch: 1, N: 1, Cols: part.Dim(0), SrcRow: 1, SrcStart: w.rows[i], DstRow: 1})
		}
		y := b.D.Linear(x, part, pb)
		cols := part.Dim(0)
		b.D.CopyRows(out, y, cpu.CopyRows{Batch: rows, N: 1, Cols: cols, SrcBlock: cols, SrcRow: cols, DstBlock: n, DstRow: 1, DstStart: w.rows[i]})
		y.Release()
		pb.Release()
	}
	return out
}

// quantWeight is a Linear weight kept packed on the device (int8 or int4
// codes and their scales) and multiplied by the quantized kernels.
type quantWeight struct {
	dtype         string // q8 or q4
	codes, scales *Tensor
	shape         []int
	p             *weights.Param // its host codes, if the model keeps them, serve Embed
}

func (w *quantWeight) Shape() []int { return append([]int(nil), w.shape...) }

// uploadQuant uploads a packed (n, k) weight.
func (b *Backend) uploadQuant(p *weights.Param) *quantWeight {
	n, k := p.Shape[0], p.Shape[1]
	per := 4
	if p.Q.DType == "q4" {
		per = 8
	}
	w := &quantWeight{dtype: p.Q.DType, shape: p.Shape, p: p,
		codes:  b.D.UploadU32(p.Q.Codes, n, k/per),
		scales: b.D.Upload(p.Q.Scales, n, k/p.Q.Group)}
	if p.Q.DType == "q8" {
		w.scales = w.scales.Reshape(n)
	}
	b.owned[w.codes.buf], b.owned[w.scales.buf] = true, true
	return w
}

// linearQuant runs the quantized kernel matching the weight's layout.
func (b *Backend) linearQuant(x *Tensor, w *quantWeight, bias *Tensor) nn.Tensor {
	if w.dtype == "q4" {
		return b.D.LinearQ4(x, w.codes, w.scales, bias)
	}
	return b.D.LinearQ8(x, w.codes, w.scales, bias)
}

// embedQuant gathers rows of a packed table from its host codes,
// dequantized, and uploads them: a language model's token table packed
// int8 is a fourth of its f32 size on the host and on the device (the head
// multiplies by the codes on the device).
func (b *Backend) embedQuant(w *quantWeight, ids []int) nn.Tensor {
	n, k := w.shape[0], w.shape[1]
	q := w.p.Q
	if q == nil {
		b.D.failf("embed: %s keeps no host codes to gather from", w.p.Name)
		return b.D.Scratch(len(ids), k)
	}
	out := make([]float32, 0, len(ids)*k)
	for i, id := range ids {
		if id < 0 || id >= n {
			b.D.failf("embed: id %d at position %d is outside a table of %d rows", id, i, n)
			return b.D.Scratch(len(ids), k)
		}
		row, err := q.Rows(id, id+1, k)
		if err != nil {
			b.D.failf("embed: %v", err)
			return b.D.Scratch(len(ids), k)
		}
		if q.DType == "q4" {
			out = append(out, cpu.DequantizeQ4(row.Codes, row.Scales, 1, k)...)
		} else {
			out = append(out, cpu.DequantizeQ8(row.Codes, row.Scales, 1, k)...)
		}
	}
	return b.D.Upload(out, len(ids), k)
}
