package kerneltest

import (
	"os"
	"testing"

	"blip2/model/gpu/gputest"
	"blip2/shaders"
)

func TestKernelsMatchCPU(t *testing.T) {
	d := gputest.Open(t)
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
