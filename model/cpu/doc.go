// Package cpu is the reference: one plain Go function per WGSL kernel, named
// after it (add_fwd ↔ AddForward), taking its arguments in the kernel's
// binding order (outputs, then inputs, then the scalar parameters). It is
// meant to be read and trusted, not to be fast: loops over flat []float32,
// float64 accumulators where a long sum would otherwise drift, no
// goroutines. Every GPU kernel is tested against its twin here, and every
// backward twin against finite differences of its forward twin.
package cpu
