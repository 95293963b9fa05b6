//go:build !(js && wasm)

package gpu

import (
	"context"
	"testing"

	"blip2/model/cpu"
)

// TestPrecompileLeavesTheDeviceWorking: every kernel named is built once,
// on this device or the helper, and a real product afterwards (its
// pipeline built ahead with placeholder bindings, a texture kernel among
// them) computes what the host twin computes.
func TestPrecompileLeavesTheDeviceWorking(t *testing.T) {
	d := openTest(t)
	names := []string{"matmul_fwd_tex", "add_fwd", "layernorm_fwd", "softmax_fwd"}
	here, helper, err := d.Precompile(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	if here+helper != len(names) || here == 0 {
		t.Fatalf("compiled %d here and %d on the helper, want %d in all, some here", here, helper, len(names))
	}
	if _, _, err := d.Precompile(context.Background(), []string{"no_such_kernel"}); err == nil {
		t.Error("an unknown kernel precompiled without an error")
	}
	m, n, k := 5, 8, 64
	a, b := make([]float32, m*k), make([]float32, n*k)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	want := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for x := 0; x < k; x++ {
				want[i*n+j] += a[i*k+x] * b[j*k+x]
			}
		}
	}
	dims := cpu.MatMulDims{M: m, N: n, K: k, Batch: 1, Inner: 1, A: cpu.Layout{Row: k}, B: cpu.Layout{Row: k}, C: cpu.Layout{Row: n}}
	c := d.Zeros(m, n)
	d.matmulTex("test", "matmul_fwd_tex", d.Upload(a, m, k), d.Upload(b, n, k), dims, []*Tensor{c, d.Zeros(1)})
	got, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("C[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
