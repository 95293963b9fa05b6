//go:build !(js && wasm)

package trainer

import (
	"context"
	"os"
	"sync"
	"testing"

	"blip2/model/gpu"
	_ "blip2/model/gpu/gputest" // registers the native backends
)

// The tests of this package share one device. Closing a lavapipe device
// after a language-model run and opening another in the same process
// makes the next device's first staging-buffer map fail (vkMapMemory
// returns a null pointer inside gogpu's Vulkan HAL); one device per test
// binary sidesteps it, and every real run is a process of its own.
var (
	shared     *gpu.Device
	sharedErr  error
	sharedOnce sync.Once
)

// testDevice is the package's device; a test that finds no adapter fails
// loudly, it never skips.
func testDevice(t testing.TB) *gpu.Device {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = gpu.Open(context.Background()) })
	if sharedErr != nil {
		t.Fatalf("no usable GPU adapter: %v", sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}
