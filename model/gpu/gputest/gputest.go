// Package gputest opens the adapter for tests: natively the backends are
// registered by native.go (lavapipe on machines without a GPU), in a
// browser build WebGPU's.
package gputest

import (
	"context"
	"testing"

	"blip2/model/gpu"
)

// Open returns a device closed at the end of the test. A GPU test that
// finds no adapter fails loudly; it never skips.
func Open(t testing.TB) *gpu.Device {
	t.Helper()
	d, err := gpu.Open(context.Background())
	if err != nil {
		t.Fatalf("no usable GPU adapter: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}
