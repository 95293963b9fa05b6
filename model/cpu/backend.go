package cpu

import (
	"fmt"

	"blip2/model/nn"
	"blip2/model/weights"
)

// Tensor is a host array with a shape.
type Tensor struct {
	Data  []float32
	shape []int
}

func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Backend runs the model on the host through the twins of the kernels: the
// reference every GPU result is checked against, and a fallback where
// WebGPU is missing.
type Backend struct {
	params map[*weights.Param]*Tensor
	err    error
}

// New returns a host backend.
func New() *Backend { return &Backend{params: map[*weights.Param]*Tensor{}} }

var _ nn.Backend = (*Backend)(nil)

func (b *Backend) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("cpu: "+format, args...)
	}
}

func (b *Backend) Err() error { return b.err }

func (b *Backend) Param(p *weights.Param) nn.Tensor {
	if t, ok := b.params[p]; ok {
		return t
	}
	shape := p.Shape
	if shape == nil {
		shape = []int{len(p.Data)}
	}
	t := &Tensor{Data: p.Data, shape: shape}
	b.params[p] = t
	return t
}

func (b *Backend) Upload(data []float32, shape ...int) nn.Tensor {
	if n := numel(shape); n != len(data) {
		b.fail("upload of %d values as %v", len(data), shape)
	}
	return &Tensor{Data: append([]float32(nil), data...), shape: append([]int(nil), shape...)}
}

func (b *Backend) Read(t nn.Tensor) ([]float32, error) {
	if b.err != nil {
		return nil, b.err
	}
	return append([]float32(nil), t.(*Tensor).Data...), nil
}

// Free does nothing: the garbage collector owns host memory.
func (b *Backend) Free(...nn.Tensor) {}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func host(t nn.Tensor) *Tensor {
	if t == nil {
		return nil
	}
	return t.(*Tensor)
}

func (b *Backend) newLike(shape []int) *Tensor {
	return &Tensor{Data: make([]float32, numel(shape)), shape: append([]int(nil), shape...)}
}

// lastDim splits a shape into rows × the last dimension.
func lastDim(shape []int) (rows, cols int) {
	cols = shape[len(shape)-1]
	return numel(shape) / max(cols, 1), cols
}
