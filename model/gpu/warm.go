package gpu

import (
	"context"
	"sync"
	"time"

	"github.com/gogpu/wgpu"

	"blip2/shaders"
)

// Warm dispatches each named kernel once, over one workgroup, on small
// zeroed buffers and textures with every parameter 1, and waits: what makes a driver that compiles a pipeline at its
// first dispatch (lavapipe) compile it, and store it in its on-disk cache
// (Mesa's), which another device of the same driver then reads instead of
// compiling. It returns the time spent per kernel.
func (d *Device) Warm(ctx context.Context, names []string) (map[string]time.Duration, error) {
	took := map[string]time.Duration{}
	// Not zeros: lavapipe builds a separate, trivial variant of a kernel
	// whose parameters are all zero (measured: 0.13 s instead of the 2.6 s
	// of matmul_bwd_input's real variant, which a later real dispatch then
	// compiles anyway); with ones it builds the one real dispatches use.
	var params [64]uint32
	for i := range params {
		params[i] = 1
	}
	for _, name := range names {
		k, err := shaders.Get(name)
		if err != nil {
			return took, err
		}
		var bufs []*Tensor
		var texs []*wgpu.TextureView
		for _, b := range k.Bindings[:len(k.Bindings)-1] {
			if b.Access == shaders.Texture {
				t := d.textures.get(d, 4, 4, 100+len(texs))
				if t == nil {
					return took, d.err
				}
				texs = append(texs, t.view)
				continue
			}
			t := d.Zeros(1024) // a buffer per binding: WebGPU forbids aliasing a written one
			defer t.Release()
			bufs = append(bufs, t)
		}
		start := time.Now()
		d.dispatch(name, [3]uint32{1, 1, 1}, params, bufs, texs)
		if err := d.Wait(ctx); err != nil {
			return took, err
		}
		took[name] = time.Since(start)
	}
	return took, d.err
}

// Precompile builds the pipelines of names ahead of a first step, on
// this device and, where another device of the same adapter opens, on
// that one at once: a driver that compiles at first dispatch (lavapipe,
// on one queue thread per device) then compiles two kernels at a time,
// and the helper's results reach this device through the driver's
// on-disk cache. Both take the next kernel from the front of names, so
// list the costly ones first. It reports how many each device compiled.
// A helper that fails only leaves its kernels to their first dispatch.
func (d *Device) Precompile(ctx context.Context, names []string) (here, helper int, err error) {
	// A name that is no kernel is the caller's error wherever it would
	// land; checked first, so that it never depends on which device
	// claims it (a helper's failures are otherwise not errors).
	for _, name := range names {
		if _, err := shaders.Get(name); err != nil {
			return 0, 0, err
		}
	}
	var mu sync.Mutex
	next := 0
	claim := func() (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next == len(names) {
			return "", false
		}
		next++
		return names[next-1], true
	}
	work := func(dev *Device, n *int) error {
		for name, ok := claim(); ok; name, ok = claim() {
			if _, err := dev.Warm(ctx, []string{name}); err != nil {
				return err
			}
			*n++
		}
		return nil
	}
	done := make(chan error, 1)
	if h, err := Open(ctx); err == nil && h.Info.Name == d.Info.Name {
		go func() {
			defer h.Close()
			done <- work(h, &helper)
		}()
	} else {
		if err == nil {
			h.Close()
		}
		done <- nil
	}
	err = work(d, &here)
	<-done
	return here, helper, err
}
