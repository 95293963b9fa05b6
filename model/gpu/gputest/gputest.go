//go:build !(js && wasm)

// Package gputest opens the native adapter for tests (lavapipe on
// machines without a GPU), registering the native backends.
package gputest

import (
	"context"
	"testing"

	"blip2/model/gpu"

	_ "github.com/gogpu/wgpu/hal/allbackends"
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
