package gpu

import (
	"math/bits"

	"github.com/gogpu/wgpu"
)

// pool recycles storage buffers: creating buffers is slow on every backend,
// and a forward pass or training step asks for the same sizes each time.
// Sizes are rounded up to a power of two below 1 MiB and to a whole MiB
// above, so a freed buffer serves any tensor of similar size.
type pool struct {
	dev  *Device
	free map[uint64][]*wgpu.Buffer
	// all holds every buffer the pool created, free or in use, so Close can
	// release them explicitly: a buffer left to the garbage collector would
	// be finalized after the device is gone, which crashes the driver.
	all []*wgpu.Buffer
	// Bytes counts the bytes of every buffer the pool has created.
	bytes uint64
}

const storageUsage = wgpu.BufferUsageStorage | wgpu.BufferUsageCopySrc | wgpu.BufferUsageCopyDst

func sizeClass(n uint64) uint64 {
	const mib = 1 << 20
	if n <= 256 {
		return 256
	}
	if n < mib {
		return 1 << bits.Len64(n-1)
	}
	return (n + mib - 1) / mib * mib
}

func (p *pool) get(size uint64) *wgpu.Buffer {
	c := sizeClass(size)
	if lim := p.dev.Info.MaxStorageBinding; lim > 0 && c > lim {
		c = size // the rounding must not push a legal size over the limit
	}
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[c] = l[:len(l)-1]
		return b
	}
	if p.dev.dev == nil {
		return nil
	}
	b, err := p.dev.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "tensor", Size: c, Usage: storageUsage})
	if err != nil {
		p.dev.fail(wrapGPU("create buffer", err))
		return nil
	}
	p.bytes += c
	p.all = append(p.all, b)
	return b
}

func (p *pool) put(b *wgpu.Buffer) {
	if b == nil {
		return
	}
	if p.free == nil {
		p.free = map[uint64][]*wgpu.Buffer{}
	}
	p.free[b.Size()] = append(p.free[b.Size()], b)
}

func (p *pool) releaseAll() {
	for _, b := range p.all {
		b.Release()
	}
	p.all, p.free = nil, nil
}
