//go:build !(js && wasm)

package gpu

import (
	"testing"

	"blip2/model/cpu"
)

// A profiled product is charged its 2·M·N·K·batch floating-point
// operations on whichever kernel ran it; other kernels are charged none.
func TestProfileChargesMatmulFlopsToTheirKernel(t *testing.T) {
	d := openTest(t)
	dims := cpu.DenseNT(3, 40, 72, 64, false)
	a, b, c := d.Zeros(3, 40, 64), d.Zeros(3, 72, 64), d.Zeros(3, 40, 72)
	kernel := d.NTKernel(dims)
	d.StartProfile()
	d.MatMulNT(c, a, b, nil, dims)
	d.MatMulNT(c, a, b, nil, dims)
	sum := d.Add(a, a)
	kernels, _ := d.StopProfile()
	sum.Release()
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	want := 2 * 2.0 * 40 * 72 * 64 * 3
	seen := false
	for _, k := range kernels {
		switch k.Kernel {
		case kernel:
			seen = true
			if k.Flops != want || k.Dispatches != 2 {
				t.Errorf("%s: %d dispatches, %g FLOP; want 2 and %g", k.Kernel, k.Dispatches, k.Flops, want)
			}
		default:
			if k.Flops != 0 {
				t.Errorf("%s charged %g FLOP", k.Kernel, k.Flops)
			}
		}
	}
	if !seen {
		t.Fatalf("no charge for %s in %+v", kernel, kernels)
	}
}
