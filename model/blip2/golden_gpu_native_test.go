//go:build !(js && wasm)

package blip2

import (
	"testing"

	"blip2/model/gpu"
	"blip2/model/gpu/gputest"
)

// TestReferenceSetsMatchOnTheGPU runs every reference output through the
// WGSL kernels on the native adapter (lavapipe where there is no GPU).
func TestReferenceSetsMatchOnTheGPU(t *testing.T) {
	d := gputest.Open(t)
	t.Logf("adapter: %s", d.Info)
	for _, set := range goldenSets {
		t.Run(set, func(t *testing.T) {
			b := gpu.NewBackend(d)
			defer b.ReleaseParams()
			runGolden(t, b, set, 1e-4)
		})
	}
}

// TestWeightsPastTheBindingLimitAreChunked: with a 2 KiB limit every matrix
// of set a is stored in row chunks (as a 50272-row vocabulary is under
// WebGPU's 128 MiB limit), and the outputs do not change.
func TestWeightsPastTheBindingLimitAreChunked(t *testing.T) {
	d := gputest.Open(t)
	for _, set := range goldenSets {
		b := gpu.NewBackend(d)
		b.ChunkBytes = 2048
		runGolden(t, b, set, 1e-4)
		b.ReleaseParams()
	}
}
