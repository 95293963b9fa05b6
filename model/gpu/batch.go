package gpu

import (
	"github.com/gogpu/wgpu"
)

// paramSlot is the room each dispatch's parameters get in the uniform ring:
// WebGPU's minUniformBufferOffsetAlignment is at most 256 bytes.
const paramSlot = 256

// ringChunk is the size of one uniform buffer of the parameter ring.
const ringChunk = 256 * paramSlot

// batch is the work recorded but not yet submitted: one command encoder per
// forward pass or training step, with a single compute pass kept open across
// dispatches, and the parameters of every dispatch packed into a ring of
// uniform buffers written once at submit.
type batch struct {
	enc        *wgpu.CommandEncoder
	pass       *wgpu.ComputePassEncoder
	ring       []*wgpu.Buffer // uniform chunks, reused across batches
	staged     [][]byte       // parameters of this batch, per chunk
	used       int            // slots taken in this batch
	retired    []interface{ Release() }
	dispatches int
	bufs       map[*wgpu.Buffer]bool // buffers the recorded commands bind or copy
}

func (b *batch) pending() bool { return b.enc != nil }

// use records that the batch's commands touch buf.
func (b *batch) use(buf *wgpu.Buffer) {
	if b.bufs == nil {
		b.bufs = map[*wgpu.Buffer]bool{}
	}
	b.bufs[buf] = true
}

// touches reports whether recorded, unsubmitted work uses buf.
func (b *batch) touches(buf *wgpu.Buffer) bool { return b.enc != nil && b.bufs[buf] }

func (b *batch) encoder(d *Device) *wgpu.CommandEncoder {
	if b.pass != nil {
		if err := b.pass.End(); err != nil {
			d.fail(wrapGPU("end compute pass", err))
		}
		b.pass = nil
	}
	if b.enc == nil {
		enc, err := d.dev.CreateCommandEncoder(nil)
		if err != nil {
			d.fail(wrapGPU("create command encoder", err))
			return nil
		}
		b.enc = enc
	}
	return b.enc
}

func (b *batch) computePass(d *Device) *wgpu.ComputePassEncoder {
	if b.pass != nil {
		return b.pass
	}
	enc := b.encoder(d)
	if enc == nil {
		return nil
	}
	pass, err := enc.BeginComputePass(nil)
	if err != nil {
		d.fail(wrapGPU("begin compute pass", err))
		return nil
	}
	b.pass = pass
	return pass
}

// params reserves the next uniform slot, stages the bytes for it and returns
// the buffer and offset to bind.
func (b *batch) params(d *Device, p []byte) (*wgpu.Buffer, uint64) {
	if len(p) > paramSlot {
		d.failf("params of %d bytes exceed the %d-byte slot", len(p), paramSlot)
		return nil, 0
	}
	chunk, slot := b.used/(ringChunk/paramSlot), b.used%(ringChunk/paramSlot)
	for len(b.ring) <= chunk {
		buf, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "params", Size: ringChunk, Usage: wgpu.BufferUsageUniform | wgpu.BufferUsageCopyDst})
		if err != nil {
			d.fail(wrapGPU("create params buffer", err))
			return nil, 0
		}
		b.ring = append(b.ring, buf)
	}
	for len(b.staged) <= chunk {
		b.staged = append(b.staged, make([]byte, 0, ringChunk))
	}
	st := b.staged[chunk][:slot*paramSlot]
	st = append(st, p...)
	st = append(st, make([]byte, paramSlot-len(p))...)
	b.staged[chunk] = st
	b.used++
	return b.ring[chunk], uint64(slot * paramSlot)
}

// submit writes the staged parameters and submits the encoder. The writes
// are queued ahead of this submission, and after every earlier one, so
// reusing the ring across batches is safe.
func (b *batch) submit(d *Device) error {
	if b.enc == nil {
		return nil
	}
	if b.pass != nil {
		if err := b.pass.End(); err != nil {
			return wrapGPU("end compute pass", err)
		}
		b.pass = nil
	}
	for i, st := range b.staged {
		if len(st) > 0 {
			if err := d.queue.WriteBuffer(b.ring[i], 0, st); err != nil {
				return wrapGPU("write params", err)
			}
			b.staged[i] = st[:0]
		}
	}
	b.used = 0
	clear(b.bufs)
	cmd, err := b.enc.Finish()
	b.enc = nil
	if err != nil {
		return wrapGPU("finish command encoder", err)
	}
	b.retired = append(b.retired, cmd)
	if _, err := d.queue.Submit(cmd); err != nil {
		return wrapGPU("submit", err)
	}
	return nil
}

// releaseRetired frees bind groups and command buffers of finished work.
func (b *batch) releaseRetired() {
	for _, r := range b.retired {
		r.Release()
	}
	b.retired = b.retired[:0]
}

func (b *batch) releaseAll() {
	b.releaseRetired()
	for _, r := range b.ring {
		r.Release()
	}
	b.ring = nil
}
