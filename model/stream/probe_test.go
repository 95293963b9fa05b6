package stream

import (
	"path/filepath"
	"testing"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/weights"
)

// probeFile runs m's probe on the host and reads it back as the file a
// native run writes (server probe -out).
func probeFile(t *testing.T, m *blip2.Model) (*weights.File, []weights.Tensor) {
	t.Helper()
	got, err := m.Probe(cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "probe.safetensors")
	if err := weights.WriteFile(path, got, nil); err != nil {
		t.Fatal(err)
	}
	f, err := weights.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, got
}

// TestProbeIsLayerZeroOfTheFullPass: the probe's image-encoder output is
// the full pass's first layer on the same pixels, and it has an output
// per tower for OPT and T5 models (both sets carry the retrieval heads).
func TestProbeIsLayerZeroOfTheFullPass(t *testing.T) {
	for set, want := range map[string][]string{
		"blip2-tiny-a":  {"vision_layer0", "qformer_layer0", "itc_image_embeds", "qformer_text_layer0", "language_projection", "lm_logits"},
		"blip2-tiny-a2": {"vision_layer0", "qformer_layer0", "itc_image_embeds", "qformer_text_layer0", "language_projection", "lm_logits"},
	} {
		_, m, _, _ := convertSet(t, set, "int8")
		_, got := probeFile(t, m)
		var names []string
		for _, g := range got {
			names = append(names, g.Name)
		}
		if len(names) != len(want) {
			t.Fatalf("%s: outputs %v, want %v", set, names, want)
		}
		for i := range want {
			if names[i] != want[i] {
				t.Fatalf("%s: outputs %v, want %v", set, names, want)
			}
		}
		b := cpu.New()
		s := m.Config.Vision.ImageSize
		hidden, _ := m.Vision.Forward(b, b.Upload(blip2.ProbePixels(s), 1, 3, s, s))
		full, _ := b.Read(hidden[1])
		if c := Cosine(full, got[0].Data.([]float32)); c != 1 {
			t.Errorf("%s: vision_layer0 is not the full pass's layer 0 (cosine %v)", set, c)
		}
	}
}

// TestProbeCatchesAChangedWeight: the same weights agree with themselves;
// one bias of the language model's last layer changed, and lm_logits
// disagrees while the towers before it still agree.
func TestProbeCatchesAChangedWeight(t *testing.T) {
	_, m, _, _ := convertSet(t, "blip2-tiny-a", "int8")
	want, _ := probeFile(t, m)
	got, err := m.Probe(cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	agree, err := CompareProbe(got, want)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agree {
		if !a.OK() || a.Cosine != 1 || a.MaxAbs != 0 {
			t.Errorf("the same weights twice: %v", a)
		}
	}
	bias := m.OPT.Layers[len(m.OPT.Layers)-1].FC2.Bias.Data
	for i := range bias {
		bias[i] += float32(i%7) - 3
	}
	if got, err = m.Probe(cpu.New()); err != nil {
		t.Fatal(err)
	}
	if agree, err = CompareProbe(got, want); err != nil {
		t.Fatal(err)
	}
	for _, a := range agree {
		if a.OK() != (a.Name != "lm_logits") {
			t.Errorf("one changed bias in the last LM layer: %v (agrees: %v)", a, a.OK())
		}
	}
	if _, err := CompareProbe(got[:2], want); err == nil {
		t.Error("a probe missing outputs compared without an error")
	}
}
