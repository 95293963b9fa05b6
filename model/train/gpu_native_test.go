//go:build !(js && wasm)

package train

import (
	"context"
	"strings"
	"testing"

	"blip2/model/gpu"

	_ "github.com/gogpu/wgpu/hal/allbackends"
)

// openGPU opens the native adapter (lavapipe on machines without a GPU); a
// missing adapter fails the test.
func openGPU(t testing.TB) *gpu.Device {
	t.Helper()
	d, err := gpu.Open(context.Background())
	if err != nil {
		t.Fatalf("no usable GPU adapter: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

// TestGPUReferenceParity runs both stages on the device and compares every
// loss, intermediate and gradient with the training reference, at the
// host's tolerances.
func TestGPUReferenceParity(t *testing.T) {
	m, b, want := loadRef(t)
	s, err := NewGPU(m, openGPU(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.ReferenceTensors(b)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]float64{}
	for _, d := range Compare(got, want, nil) {
		if d.Failed() {
			t.Errorf("%s: %s max|Δ| %.3g (max|ref| %.3g, %.2f× tolerance)", d.Name, d.Problem, d.MaxAbs, d.MaxRef, d.Worst)
		}
		g := d.Name
		if i := strings.IndexByte(g, '.'); i > 0 {
			g = g[:i]
		}
		groups[g] = max(groups[g], d.MaxAbs)
	}
	for g, e := range groups {
		t.Logf("%-32s max|Δ| %.3g", g, e)
	}
}
