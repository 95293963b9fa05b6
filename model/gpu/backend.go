package gpu

import (
	"context"

	"github.com/gogpu/wgpu"

	"blip2/model/cpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// Backend runs the model (package blip2, through nn.Backend) on a Device:
// every op records kernels into the device's current batch, and only Read
// submits and waits.
type Backend struct {
	D      *Device
	params map[*weights.Param]nn.Tensor // *Tensor, or *rowChunks past the binding limit
	owned  map[*wgpu.Buffer]bool        // buffers of uploaded weights, which Free keeps
	// ChunkBytes is the size above which a 2-D weight is stored in row
	// chunks; it starts at the adapter's storage binding limit.
	ChunkBytes uint64
}

// NewBackend wraps an open device.
func NewBackend(d *Device) *Backend {
	return &Backend{D: d, params: map[*weights.Param]nn.Tensor{}, owned: map[*wgpu.Buffer]bool{}, ChunkBytes: d.Info.MaxStorageBinding}
}

var _ nn.Backend = (*Backend)(nil)

func dev(t nn.Tensor) *Tensor {
	if t == nil {
		return nil
	}
	if g, ok := t.(*Tensor); ok {
		return g
	}
	return nil // a *rowChunks outside Embed and Linear: the op reports the nil
}

func (b *Backend) Err() error { return b.D.Err() }

// Param uploads a weight once and keeps it for the backend's life.
func (b *Backend) Param(p *weights.Param) nn.Tensor {
	if t, ok := b.params[p]; ok {
		return t
	}
	shape := p.Shape
	if shape == nil {
		shape = []int{len(p.Data)}
	}
	if p.Q != nil && len(shape) == 2 && (p.Q.DType == "q8" || p.Q.DType == "q4") {
		w := b.uploadQuant(p)
		b.params[p] = w
		return w
	}
	if b.ChunkBytes > 0 && uint64(4*len(p.Data)) > b.ChunkBytes && len(shape) == 2 {
		c := b.chunk(p, shape)
		b.params[p] = c
		return c
	}
	t := b.D.Upload(p.Data, shape...)
	b.params[p] = t
	b.owned[t.buf] = true
	return t
}

// Limits are the largest storage binding a weight is split to (ChunkBytes)
// and the adapter's largest buffer.
func (b *Backend) Limits() (binding, buffer uint64) { return b.ChunkBytes, b.D.Info.MaxBufferSize }

// Settle waits until every upload so far has landed, so the staging
// memory of the writes is released before more are made.
func (b *Backend) Settle() error { return b.D.Wait(context.Background()) }

// ParamBytes is what the uploaded weights take on the device.
func (b *Backend) ParamBytes() int64 {
	var n int64
	for _, t := range b.params {
		for _, part := range weightParts(t) {
			n += 4 * int64(part.n)
		}
	}
	return n
}

// weightParts are the device tensors that hold one uploaded weight.
func weightParts(t nn.Tensor) []*Tensor {
	switch t := t.(type) {
	case *Tensor:
		return []*Tensor{t}
	case *rowChunks:
		return t.parts
	case *quantWeight:
		return []*Tensor{t.codes, t.scales}
	}
	return nil
}

// ReleaseParams frees every uploaded weight.
func (b *Backend) ReleaseParams() {
	for p := range b.params {
		b.Forget(p)
	}
}

func (b *Backend) Upload(data []float32, shape ...int) nn.Tensor { return b.D.Upload(data, shape...) }

func (b *Backend) Read(t nn.Tensor) ([]float32, error) { return dev(t).Read() }

// Free returns tensors to the pool. Weights are kept (they are shared by
// every call); views from Reshape share their parent's buffer, so freeing
// either frees both.
func (b *Backend) Free(ts ...nn.Tensor) {
	for _, t := range ts {
		if _, ok := t.(*Tensor); !ok {
			continue // nil, or a weight kept for the backend's life
		}
		if g := dev(t); !b.owned[g.buf] {
			g.Release()
		}
	}
}

func (b *Backend) LayerNorm(x, w, bias nn.Tensor, eps float32) nn.Tensor {
	y, mean, rstd := b.D.LayerNorm(dev(x), dev(w), dev(bias), eps)
	mean.Release()
	rstd.Release()
	return y
}

func (b *Backend) RMSNorm(x, w nn.Tensor, eps float32) nn.Tensor {
	y, rstd := b.D.RMSNorm(dev(x), dev(w), eps)
	rstd.Release()
	return y
}

func (b *Backend) Act(x nn.Tensor, fn string) nn.Tensor {
	op, ok := cpu.ActOp(fn)
	if !ok {
		b.D.failf("unknown activation %q", fn)
		return x
	}
	return b.D.Act(Activation(op), dev(x))
}

func (b *Backend) Add(a, c nn.Tensor) nn.Tensor { return b.D.Add(dev(a), dev(c)) }
func (b *Backend) Mul(a, c nn.Tensor) nn.Tensor { return b.D.Mul(dev(a), dev(c)) }

func (b *Backend) Embed(table nn.Tensor, ids []int) nn.Tensor {
	switch t := table.(type) {
	case *rowChunks:
		return b.embedHost(t, ids)
	case *quantWeight:
		return b.embedQuant(t, ids)
	}
	t := dev(table)
	u := make([]uint32, len(ids))
	for i, id := range ids {
		if id < 0 {
			b.D.failf("embed: negative id %d at position %d", id, i)
			return t
		}
		u[i] = uint32(id)
	}
	gids := b.D.UploadIDs(u, t.Dim(0), 0, len(ids))
	out := b.D.Embedding(gids, t.Reshape(t.Dim(0), t.n/max(t.Dim(0), 1)), 0)
	gids.Release()
	return out
}

func (b *Backend) Rows(x nn.Tensor, start, n int) nn.Tensor { return b.D.Rows(dev(x), start, n) }
func (b *Backend) Concat(x, y nn.Tensor) nn.Tensor          { return b.D.Concat(dev(x), dev(y)) }

func (b *Backend) Reshape(t nn.Tensor, shape ...int) nn.Tensor {
	if _, ok := t.(*Tensor); !ok {
		b.D.failf("reshape of a weight stored chunked or quantized (%v)", t.Shape())
		return t
	}
	return dev(t).Reshape(shape...)
}

// Select gathers rows of axis 0 with the embedding kernel: x viewed as a
// (rows, rest) table.
func (b *Backend) Select(x nn.Tensor, rows []int) nn.Tensor {
	t := dev(x)
	rest := t.n / max(t.Dim(0), 1)
	out := b.Embed(t.Reshape(t.Dim(0), rest), rows)
	return dev(out).Reshape(append([]int{len(rows)}, t.shape[1:]...)...)
}

func (b *Backend) L2Normalize(x nn.Tensor) nn.Tensor { return b.D.L2Normalize(dev(x), 1e-12) }

func (b *Backend) MaxOver(x nn.Tensor) nn.Tensor {
	out, arg := b.D.MaxRows(dev(x))
	arg.Release()
	return out
}

func (b *Backend) MeanOver(x nn.Tensor) nn.Tensor { return b.D.MeanRows(dev(x)) }

func (b *Backend) Patches(img nn.Tensor, p int) nn.Tensor { return b.D.Im2Col(dev(img), p) }

// Forget frees the uploads of ps, whose host values changed (a fine-tuned
// model): the next use uploads them again.
func (b *Backend) Forget(ps ...*weights.Param) {
	for _, p := range ps {
		t, ok := b.params[p]
		if !ok {
			continue
		}
		for _, part := range weightParts(t) {
			delete(b.owned, part.buf)
			part.Release()
		}
		delete(b.params, p)
	}
}
