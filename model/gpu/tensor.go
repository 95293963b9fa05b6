package gpu

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/gogpu/wgpu"
)

// Tensor is a row-major array of 32-bit words (f32, or u32 for ids and
// packed quantized weights) in a GPU storage buffer. Shapes follow PyTorch
// order: (B, T, C).
type Tensor struct {
	d     *Device
	buf   *wgpu.Buffer
	shape []int
	n     int // element count
}

// Shape returns the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Len is the number of 32-bit elements.
func (t *Tensor) Len() int { return t.n }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rows is the product of all dimensions but the last.
func (t *Tensor) Rows() int {
	if len(t.shape) == 0 {
		return 1
	}
	return t.n / t.shape[len(t.shape)-1]
}

// Cols is the last dimension.
func (t *Tensor) Cols() int {
	if len(t.shape) == 0 {
		return 1
	}
	return t.shape[len(t.shape)-1]
}

func (t *Tensor) bytes() uint64 { return uint64(t.n) * 4 }

func (t *Tensor) String() string { return fmt.Sprintf("tensor%v", t.shape) }

// Reshape returns a view of the same buffer with another shape of equal
// size. The view shares storage: release only one of them.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numel(shape) != t.n {
		t.d.failf("reshape %v to %v: element counts differ", t.shape, shape)
		return t
	}
	return &Tensor{d: t.d, buf: t.buf, shape: append([]int(nil), shape...), n: t.n}
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// Scratch returns an uninitialised tensor from the pool. Its contents are
// whatever the buffer last held: use it only for outputs that a kernel
// writes completely.
func (d *Device) Scratch(shape ...int) *Tensor {
	n := numel(shape)
	for _, s := range shape {
		if s < 0 {
			d.failf("negative dimension in shape %v", shape)
			n = 0
		}
	}
	if n == 0 {
		n = 0
	}
	size := uint64(max(n, 1)) * 4
	if size > d.Info.MaxStorageBinding && d.Info.MaxStorageBinding > 0 {
		d.failf("tensor %v needs %d bytes, over this adapter's maxStorageBufferBindingSize of %d; split it (the converter shards weights at 64 MiB)", shape, size, d.Info.MaxStorageBinding)
		size = 4
	}
	return &Tensor{d: d, buf: d.pool.get(size), shape: append([]int(nil), shape...), n: n}
}

// Zeros returns a tensor filled with zeros.
func (d *Device) Zeros(shape ...int) *Tensor {
	t := d.Scratch(shape...)
	if d.err == nil && t.n > 0 {
		d.batch.encoder(d).ClearBuffer(t.buf, 0, t.bytes())
		d.batch.use(t.buf)
	}
	return t
}

// Upload copies host float32 values into a new tensor of the given shape.
func (d *Device) Upload(data []float32, shape ...int) *Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return d.uploadBytes(b, len(data), shape)
}

// UploadU32 copies host uint32 values (token ids, packed weights) into a new
// tensor of the given shape.
func (d *Device) UploadU32(data []uint32, shape ...int) *Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return d.uploadBytes(b, len(data), shape)
}

func (d *Device) uploadBytes(b []byte, n int, shape []int) *Tensor {
	if numel(shape) != n {
		d.failf("upload of %d values into shape %v", n, shape)
		shape = []int{n}
	}
	t := d.Scratch(shape...)
	t.write(b)
	return t
}

// Write replaces the tensor's contents with data.
func (t *Tensor) Write(data []float32) {
	if len(data) != t.n {
		t.d.failf("write of %d values into %v", len(data), t.shape)
		return
	}
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	t.write(b)
}

func (t *Tensor) write(b []byte) {
	d := t.d
	// queue.WriteBuffer lands before any command still being recorded, so
	// recorded work that touches this buffer must be submitted first. A
	// fresh buffer needs no flush, which keeps a forward pass in one submit.
	if d.batch.touches(t.buf) {
		d.fail(d.Flush())
	}
	if d.err != nil || len(b) == 0 {
		return
	}
	d.fail(wrapGPU("write buffer", d.queue.WriteBuffer(t.buf, 0, b)))
}

// Release returns the tensor's buffer to the pool. Work already recorded
// that uses it is unaffected: commands run in recording order.
func (t *Tensor) Release() {
	if t == nil || t.buf == nil {
		return
	}
	t.d.pool.put(t.buf)
	t.buf = nil
}

// Read submits all recorded work and returns the tensor's contents as f32.
func (t *Tensor) Read() ([]float32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return t.ReadCtx(ctx)
}

// ReadCtx is Read with a context bounding the wait.
func (t *Tensor) ReadCtx(ctx context.Context) ([]float32, error) {
	b, err := t.readBytes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]float32, t.n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// ReadU32 is Read for integer tensors.
func (t *Tensor) ReadU32() ([]uint32, error) {
	b, err := t.readBytes(context.Background())
	if err != nil {
		return nil, err
	}
	out := make([]uint32, t.n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out, nil
}

func (t *Tensor) readBytes(ctx context.Context) ([]byte, error) {
	d := t.d
	if d.err != nil {
		return nil, d.err
	}
	if t.buf == nil {
		return nil, fmt.Errorf("gpu: read of released tensor %v", t.shape)
	}
	size := max(t.bytes(), 4)
	staging, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "readback", Size: size, Usage: wgpu.BufferUsageMapRead | wgpu.BufferUsageCopyDst})
	if err != nil {
		d.fail(wrapGPU("create readback buffer", err))
		return nil, d.err
	}
	defer staging.Release()
	d.batch.encoder(d).CopyBufferToBuffer(t.buf, 0, staging, 0, size)
	d.batch.use(t.buf)
	if err := d.Flush(); err != nil {
		return nil, err
	}
	waitStart := time.Now()
	err = staging.Map(ctx, wgpu.MapModeRead, 0, size)
	d.stats.Wait += time.Since(waitStart)
	if err != nil {
		d.fail(wrapGPU("map readback buffer", err))
		return nil, d.err
	}
	// The map completing means every earlier submission has finished, so
	// the objects they used can now be freed.
	d.batch.releaseRetired()
	rng, err := staging.MappedRange(0, size)
	if err != nil {
		_ = staging.Unmap()
		d.fail(wrapGPU("mapped range", err))
		return nil, d.err
	}
	out := append([]byte(nil), rng.Bytes()[:t.bytes()]...)
	if err := staging.Unmap(); err != nil {
		d.fail(wrapGPU("unmap", err))
		return nil, d.err
	}
	return out, nil
}
