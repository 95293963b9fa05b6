//go:build !(js && wasm)

package stream

import (
	"fmt"
	"strings"
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
		b := gpu.NewBackend(d)
		compareOutputs(t, mode, conv, b, conv, cpu.New(), in, 1e-4)
		b.ReleaseParams()
	}
}

// TestResidentLayersStreamToTheGPU: a model loaded resident uploads each
// layer of the parts named as it is bound and keeps no host copy of it
// (the bytes, the dequantized floats or the codes), and computes exactly
// what the same model loaded whole computes on the same device: the image
// encoder alone (the page, which fine-tunes through the language model),
// and with the language model too, OPT and T5, its language model packed
// int8 as well.
func TestResidentLayersStreamToTheGPU(t *testing.T) {
	d := gputest.Open(t)
	for _, c := range []struct {
		set   string
		plan  Plan
		parts blip2.Resident
	}{
		{"blip2-tiny-a", PlanFor("int8"), blip2.ResidentVision},
		{"blip2-tiny-a", Plan{Vision: "int8", QFormer: "f32", LM: "int8"}, blip2.ResidentVision | blip2.ResidentLM},
		{"blip2-tiny-a2", PlanFor("int8"), blip2.ResidentVision | blip2.ResidentLM},
	} {
		name := fmt.Sprintf("%s %+v %d", c.set, c.plan, c.parts)
		_, conv, s, in := convertSetPlan(t, c.set, c.plan)
		b := gpu.NewBackend(d)
		m, err := LoadResident(NewStore(s.M, s.fetch), b, c.parts)
		if err != nil {
			t.Fatal(err)
		}
		var kept []*weights.Param
		for _, l := range m.Vision.Layers {
			kept = append(kept, &l.SelfAttn.QKV, &l.MLP.FC1.Weight, &l.MLP.FC2.Bias, &l.LayerNorm1.Weight)
		}
		if c.parts&blip2.ResidentLM != 0 {
			if m.OPT != nil {
				for i := range m.OPT.Layers {
					kept = append(kept, weights.Params(&m.OPT.Layers[i])...)
				}
			} else {
				for i := range m.T5.Decoder.Blocks {
					kept = append(kept, &m.T5.Decoder.Blocks[i].FF.WO.Weight, &m.T5.Decoder.Blocks[i].CrossAttn.Q.Weight)
				}
			}
		}
		for _, p := range kept {
			if p.Data != nil || p.Q != nil {
				t.Errorf("%s: %s still has a host copy", name, p.Name)
			}
		}
		if c.parts&blip2.ResidentLM == 0 && m.OPT != nil && m.OPT.Layers[0].FC1.Weight.Data == nil {
			t.Errorf("%s: the language model went resident too", name)
		}
		compareOutputs(t, name, m, b, conv, b, in, 0)
		b.ReleaseParams()
	}
}

// TestTooLargeForTheAdapterIsRefusedFirst: a model with a weight past the
// adapter's limits is refused before anything is uploaded, and the error
// names the weight, the limit and by how much.
func TestTooLargeForTheAdapterIsRefusedFirst(t *testing.T) {
	_, _, s, _ := convertSet(t, "blip2-tiny-a", "int8")
	d := gputest.Open(t)
	b := gpu.NewBackend(d)
	defer b.ReleaseParams()
	b.ChunkBytes = 100 // bytes: one row of every 2-D weight of the tiny model is larger
	_, err := LoadResident(NewStore(s.M, s.fetch), b, blip2.ResidentVision)
	if err == nil {
		t.Fatal("a model past the binding limit loaded")
	}
	for _, want := range []string{"does not fit this adapter", "language_model.model.decoder.embed_tokens.weight [96 40]: one of its rows, in f32, needs 160 bytes; the adapter's maxStorageBufferBindingSize is 100 bytes (60 bytes over)", "more"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if b.ParamBytes() != 0 {
		t.Errorf("%d bytes were uploaded before the refusal", b.ParamBytes())
	}
	if err := CheckLimits(s.M, 1<<27, 1<<28); err != nil {
		t.Errorf("the tiny model does not fit WebGPU's default limits: %v", err)
	}
}

// TestCheckStoreLimits: a Hugging Face folder is checked as it will be
// stored, every float weight in f32.
func TestCheckStoreLimits(t *testing.T) {
	_, src := openSet(t, "blip2-tiny-a")
	if err := CheckStoreLimits(src, 1<<27, 1<<28); err != nil {
		t.Errorf("the tiny model does not fit WebGPU's default limits: %v", err)
	}
	err := CheckStoreLimits(src, 100, 1<<28)
	if err == nil || !strings.Contains(err.Error(), "language_model.model.decoder.embed_tokens.weight [96 40]: one of its rows, in f32, needs 160 bytes") {
		t.Errorf("a 100-byte binding limit: %v", err)
	}
}

// TestProbeOnTheGPUAgreesWithTheHost: the probe of a model loaded with
// every layer resident on the device (what the full-size browser check
// runs) agrees with the host's probe of the same converted weights, OPT
// with its language model packed int4 and T5.
func TestProbeOnTheGPUAgreesWithTheHost(t *testing.T) {
	d := gputest.Open(t)
	for set, plan := range map[string]Plan{
		"blip2-tiny-a":  {Vision: "int4", QFormer: "f32", LM: "int4"},
		"blip2-tiny-a2": PlanFor("int8"),
	} {
		_, conv, s, _ := convertSetPlan(t, set, plan)
		want, _ := probeFile(t, conv)
		b := gpu.NewBackend(d)
		m, err := LoadResident(NewStore(s.M, s.fetch), b, blip2.ResidentVision|blip2.ResidentQFormer|blip2.ResidentLM)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Probe(b)
		if err != nil {
			t.Fatal(err)
		}
		agree, err := CompareProbe(got, want)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range agree {
			if !a.OK() {
				t.Errorf("%s: %v", set, a)
			}
		}
		b.ReleaseParams()
	}
}
