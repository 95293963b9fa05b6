//go:build !(js && wasm)

package blip2

import (
	"context"
	"testing"

	_ "github.com/gogpu/wgpu/hal/allbackends"

	"blip2/model/gpu"
)

// TestReferenceSetsMatchOnTheGPU runs every reference output through the
// WGSL kernels on the native adapter (lavapipe where there is no GPU).
func TestReferenceSetsMatchOnTheGPU(t *testing.T) {
	d, err := gpu.Open(context.Background())
	if err != nil {
		t.Fatalf("no usable GPU adapter: %v", err)
	}
	defer d.Close()
	t.Logf("adapter: %s", d.Info)
	for _, set := range goldenSets {
		t.Run(set, func(t *testing.T) {
			b := gpu.NewBackend(d)
			defer b.ReleaseParams()
			runGolden(t, b, set, 1e-4)
		})
	}
}
