package train

import (
	"math"
	"strings"
	"testing"

	"blip2/model/weights"
)

func TestScheduleWarmupThenCosine(t *testing.T) {
	s := Schedule{Peak: 1e-4, Min: 5e-5, WarmupStart: 1e-6, Warmup: 2000, Total: 80000}
	for _, c := range []struct {
		step int
		want float64
	}{{0, 1e-6}, {1000, 1e-6 + (1e-4-1e-6)/2}, {2000, 1e-4}, {41000, 7.5e-5}, {80000, 5e-5}, {90000, 5e-5}} {
		if got := s.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("step %d: lr %g, want %g", c.step, got, c.want)
		}
	}
}

func TestWeightDecayGroups(t *testing.T) {
	m, _, _ := loadRef(t)
	decay := map[string]bool{"query_tokens": true, "temp": true, "qformer.layernorm.weight": false,
		"itm_head.bias": false, "itm_head.weight": true, "vision_model.post_layernorm.weight": false,
		"embeddings.word_embeddings.weight": true, "cls.predictions.bias": false}
	seen := 0
	for _, p := range m.Stage1Params() {
		if want, ok := decay[p.Name]; ok {
			seen++
			if Decays(p) != want {
				t.Errorf("%s: decay %v, want %v", p.Name, Decays(p), want)
			}
		}
	}
	if seen != len(decay) {
		t.Errorf("found %d of %d named parameters", seen, len(decay))
	}
}

func TestAdamWStopsOnNonFinite(t *testing.T) {
	p := &weights.Param{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}
	q := &weights.Param{Name: "b", Shape: []int{2}, Data: []float32{1, 2}}
	o := NewAdamW(Schedule{Peak: 0.1})
	if _, err := o.Step([]*weights.Param{p, q}, Grads{"w": {1, 1, 1, 1}, "b": {0, float32(math.Inf(1))}}, 1); err == nil ||
		!strings.Contains(err.Error(), " b ") || !strings.Contains(err.Error(), "step 1") {
		t.Fatalf("want an error naming b and step 1, got %v", err)
	}
	if p.Data[0] != 1 || o.Steps() != 0 {
		t.Fatal("a failed step changed the parameters")
	}
	if _, err := o.Step([]*weights.Param{p}, Grads{"w": {1, 1, 1, 1}}, float32(math.NaN())); err == nil {
		t.Fatal("a NaN loss must stop the step")
	}
}

// TestAdamWClipsAndDecays: one step by hand. With clipping the first
// moment holds (1−β1)·g·maxNorm/‖g‖; decay applies to matrices only.
func TestAdamWClipsAndDecays(t *testing.T) {
	p := &weights.Param{Name: "w", Shape: []int{1, 2}, Data: []float32{1, 1}}
	q := &weights.Param{Name: "v.bias", Shape: []int{2}, Data: []float32{1, 1}}
	o := NewAdamW(Schedule{Peak: 0.01})
	o.WeightDecay, o.MaxNorm = 0.5, 1
	g := Grads{"w": {3, 0}, "v.bias": {0, 4}}
	norm, err := o.Step([]*weights.Param{p, q}, g, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(norm)-5) > 1e-6 {
		t.Fatalf("norm %g, want 5", norm)
	}
	if got, want := o.m["w"][0], float32(0.1*3/5); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("first moment %g, want %g", got, want)
	}
	// Adam's first step moves each coordinate with a gradient by lr; decay
	// multiplies the matrix by 1 − lr·wd first.
	if want := (1-0.01*0.5)*1 - 0.01; math.Abs(float64(p.Data[0])-want) > 1e-6 {
		t.Errorf("w[0] = %g, want %g", p.Data[0], want)
	}
	if want := 1 - 0.005; math.Abs(float64(p.Data[1])-want) > 1e-6 {
		t.Errorf("w[1] = %g, want %g (decay only)", p.Data[1], want)
	}
	if q.Data[0] != 1 || math.Abs(float64(q.Data[1])-0.99) > 1e-6 {
		t.Errorf("bias %v, want [1 0.99] (no decay)", q.Data)
	}
}
