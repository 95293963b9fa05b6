package gpu

import (
	"sort"
	"time"

	"blip2/model/cpu"
)

// Counters are what the device did since it opened: kernel launches by
// kernel, host time spent recording them (validation, parameter packing,
// bind groups, encoding) and host time blocked on readbacks, which is where
// a step waits for the device.
type Counters struct {
	Dispatches map[string]int
	Record     time.Duration
	Wait       time.Duration
}

// Counters returns a copy of the running counters; subtract two copies to
// get what happened in between.
func (d *Device) Counters() Counters {
	c := Counters{Dispatches: make(map[string]int, len(d.stats.Dispatches)), Record: d.stats.Record, Wait: d.stats.Wait}
	for k, v := range d.stats.Dispatches {
		c.Dispatches[k] = v
	}
	return c
}

// Sub is c − earlier.
func (c Counters) Sub(earlier Counters) Counters {
	out := Counters{Dispatches: map[string]int{}, Record: c.Record - earlier.Record, Wait: c.Wait - earlier.Wait}
	for k, v := range c.Dispatches {
		if n := v - earlier.Dispatches[k]; n > 0 {
			out.Dispatches[k] = n
		}
	}
	return out
}

// Total is the number of launches.
func (c Counters) Total() int {
	n := 0
	for _, v := range c.Dispatches {
		n += v
	}
	return n
}

// KernelTime is the measured device time of one kernel over a profiled
// stretch of work.
type KernelTime struct {
	Kernel     string  `json:"kernel"`
	Dispatches int     `json:"dispatches"`
	Seconds    float64 `json:"s"`
	// Flops counts the multiply-adds of matmul kernels twice (2·M·N·K per
	// batch), as GFLOP/s figures do; 0 for other kernels.
	Flops float64 `json:"flop,omitempty"`
}

// profile accumulates per-kernel times while profiling is on.
type profile struct {
	kernels map[string]*KernelTime
	before  time.Duration // work flushed ahead of a dispatch: texture copies, uploads
	flops   float64       // of the dispatch being recorded, charged with it
}

// StartProfile serialises the device for measurement: every dispatch is
// submitted on its own and waited for, and the wall time from submit to
// idle is charged to its kernel. Work recorded ahead of a dispatch (the
// copies of operands into textures, uploads) is flushed and timed first,
// apart. The adapters this project runs on expose no timestamp queries
// through gogpu/wgpu, so this is how a step is split by kernel; each
// charge includes one submit-and-wait, which SyncCost measures.
func (d *Device) StartProfile() {
	if d.err == nil {
		d.submitAndWait()
	}
	d.prof = &profile{kernels: map[string]*KernelTime{}}
}

// StopProfile ends profiling and returns the kernels by time, largest
// first, and the time of the work flushed ahead of dispatches.
func (d *Device) StopProfile() (kernels []KernelTime, before time.Duration) {
	p := d.prof
	d.prof = nil
	if p == nil {
		return nil, 0
	}
	for _, k := range p.kernels {
		kernels = append(kernels, *k)
	}
	sort.Slice(kernels, func(i, j int) bool {
		if kernels[i].Seconds != kernels[j].Seconds {
			return kernels[i].Seconds > kernels[j].Seconds
		}
		return kernels[i].Kernel < kernels[j].Kernel
	})
	return kernels, p.before
}

// profileBefore flushes and times what was recorded ahead of a dispatch.
func (d *Device) profileBefore() {
	if !d.batch.pending() {
		return
	}
	d.prof.before += d.submitAndWait()
}

// submitAndWait submits what is recorded, waits until the device is idle
// and returns how long that took.
func (d *Device) submitAndWait() time.Duration {
	t0 := time.Now()
	d.fail(d.batch.submit(d))
	d.fail(wrapGPU("wait idle", d.dev.WaitIdle()))
	el := time.Since(t0)
	d.batch.releaseRetired()
	return el
}

// profileDispatch submits the dispatch just recorded, waits for it and
// charges the time to its kernel.
func (d *Device) profileDispatch(name string) {
	el := d.submitAndWait()
	k := d.prof.kernels[name]
	if k == nil {
		k = &KernelTime{Kernel: name}
		d.prof.kernels[name] = k
	}
	k.Dispatches++
	k.Seconds += el.Seconds()
	k.Flops += d.prof.flops
	d.prof.flops = 0
}

// profileFlops sets the work of the next dispatch while profiling: a
// product chunked into several dispatches charges each its own part.
func (d *Device) profileFlops(dims cpu.MatMulDims) {
	if d.prof != nil {
		d.prof.flops = 2 * float64(dims.M) * float64(dims.N) * float64(dims.K) * float64(dims.Batch)
	}
}

// SyncCost is the mean wall time of submitting one trivial dispatch and
// waiting for it: the part of every profiled charge that is not the
// kernel's work.
func (d *Device) SyncCost(n int) (time.Duration, error) {
	a, b := d.Scratch(1), d.Scratch(1)
	defer a.Release()
	defer b.Release()
	d.submitAndWait()
	var total time.Duration
	for i := 0; i < n; i++ {
		out := d.Add(a, b)
		total += d.submitAndWait()
		out.Release()
	}
	return total / time.Duration(max(n, 1)), d.err
}
