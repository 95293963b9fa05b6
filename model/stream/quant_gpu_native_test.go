//go:build !(js && wasm)

package stream

import (
	"testing"

	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/gpu/gputest"
	"blip2/model/weights"
)

// TestQuantizedWeightsRunPackedOnTheGPU: a converted int8/int4 model keeps
// its frozen encoder packed on the device (the matmul_fwd_q8/q4 kernels)
// and gives what the host reference gives on the dequantized weights.
func TestQuantizedWeightsRunPackedOnTheGPU(t *testing.T) {
	d := gputest.Open(t)
	for _, mode := range []string{"int8", "int4"} {
		_, conv, _, in := convertSet(t, "blip2-tiny-a", mode)
		packed := 0
		for _, l := range conv.Vision.Layers {
			if l.MLP.FC1.Weight.Q != nil {
				packed++
			}
		}
		if packed == 0 {
			t.Fatalf("%s: no vision weight was bound packed", mode)
		}
		b := gpu.NewBackend(d)
		compareOutputs(t, mode, conv, b, conv, cpu.New(), in, 1e-4)
		b.ReleaseParams()
	}
}

// TestResidentEncoderStreamsToTheGPU: a model loaded resident uploads each
// encoder layer as it is bound and keeps no host copy of it (the bytes,
// the dequantized floats or the codes), and computes exactly what the same
// model loaded whole computes on the same device.
func TestResidentEncoderStreamsToTheGPU(t *testing.T) {
	d := gputest.Open(t)
	_, conv, s, in := convertSet(t, "blip2-tiny-a", "int8")
	b := gpu.NewBackend(d)
	defer b.ReleaseParams()
	m, err := LoadResident(NewStore(s.M, s.fetch), b)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range m.Vision.Layers {
		for _, p := range []*weights.Param{&l.SelfAttn.QKV, &l.MLP.FC1.Weight, &l.MLP.FC2.Bias, &l.LayerNorm1.Weight} {
			if p.Data != nil || p.Q != nil {
				t.Errorf("layer %d: %s still has a host copy", i, p.Name)
			}
		}
	}
	if b.ParamBytes() == 0 {
		t.Error("no weight bytes counted on the device after a resident load")
	}
	compareOutputs(t, "resident", m, b, conv, b, in, 0)
}
