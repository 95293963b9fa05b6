//go:build !(js && wasm)

package stream

import (
	"bytes"
	"testing"

	"blip2/model/blip2"
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
		want, err := conv.ReferenceOutputs(cpu.New(), in)
		if err != nil {
			t.Fatal(err)
		}
		b := gpu.NewBackend(d)
		got, err := conv.ReferenceOutputs(b, in)
		b.ReleaseParams()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := weights.Write(&buf, want, nil); err != nil {
			t.Fatal(err)
		}
		ref, _ := weights.NewFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		for _, p := range blip2.CompareOutputs(got, ref, 1e-4, 1e-4) {
			t.Errorf("%s: %s", mode, p)
		}
	}
}
