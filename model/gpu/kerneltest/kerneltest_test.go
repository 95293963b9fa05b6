package kerneltest

import (
	"context"
	"os"
	"testing"

	"blip2/model/gpu"
	"blip2/shaders"
)

// open returns a device or fails the test: a GPU test that finds no adapter
// must fail loudly, never skip.
func open(t testing.TB) *gpu.Device {
	t.Helper()
	d, err := gpu.Open(context.Background())
	if err != nil {
		t.Fatalf("no usable GPU adapter: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

func TestKernelsMatchCPU(t *testing.T) {
	d := open(t)
	t.Logf("adapter: %s", d.Info)
	if os.Getenv("CI") != "" || testing.Verbose() {
		os.Stderr.WriteString("native kernel suite on adapter: " + d.Info.String() + "\n")
	}
	for _, c := range Cases(false) {
		r := Run(d, c)
		t.Log(r.String())
		if !r.OK() {
			t.Error(r.String())
		}
	}
}

// TestEveryKernelIsCovered checks that every .wgsl file is exercised by the
// native suite and by the browser-sized subset.
func TestEveryKernelIsCovered(t *testing.T) {
	all := map[string]bool{}
	for _, k := range Covered(Cases(false)) {
		all[k] = true
	}
	browser := map[string]bool{}
	for _, k := range Covered(Cases(true)) {
		browser[k] = true
	}
	for _, name := range shaders.Names() {
		if !all[name] {
			t.Errorf("kernel %s has no parity case", name)
		}
		if !browser[name] {
			t.Errorf("kernel %s has no browser-sized parity case", name)
		}
	}
}
