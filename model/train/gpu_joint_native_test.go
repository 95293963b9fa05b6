//go:build !(js && wasm)

package train

import (
	"math"
	"testing"

	"blip2/model/gpu/gputest"
	"blip2/model/weights"
)

// TestGPUJointIsTheSumOfTheStages: a joint step's gradient is the host's
// stage-1 gradient plus w times its stage-2 gradient, tensor by tensor
// (the language projection from stage 2 alone, temp and the heads from
// stage 1 alone, the query path from both), and its losses are each
// stage's.
func TestGPUJointIsTheSumOfTheStages(t *testing.T) {
	const w = 0.5
	m, b, _ := loadRef(t)
	want1, err := m.Stage1(b, false)
	if err != nil {
		t.Fatal(err)
	}
	want2, err := m.Stage2(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewGPU(m, gputest.Open(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got1, got2, err := s.Joint(b, b, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		name      string
		got, want float32
	}{{"stage 1", got1.Loss, want1.Loss}, {"stage 2", got2.Loss, want2.Loss}} {
		if d := math.Abs(float64(l.got - l.want)); d > 1e-4*math.Abs(float64(l.want)) {
			t.Errorf("%s loss %.7g, host %.7g", l.name, l.got, l.want)
		}
	}
	both := 0
	want := Grads{}
	for _, p := range m.JointParams() {
		g1, in1 := want1.Grads[p.Name]
		g2, in2 := want2.Grads[p.Name]
		if in1 && in2 {
			both++
		}
		sum := make([]float32, len(p.Data))
		for i := range sum {
			if in1 {
				sum[i] += g1[i]
			}
			if in2 {
				sum[i] += w * g2[i]
			}
		}
		want[p.Name] = sum
	}
	worst := matchGrads(t, "joint", m.JointParams(), got1.Grads, want)
	if both == 0 {
		t.Fatal("no tensor has a gradient from both stages: the test checks no sum")
	}
	t.Logf("%d tensors (%d from both stages), worst gradient error %.3g× tolerance", len(m.JointParams()), both, worst)
	m.FreezeQFormer = true
	if _, _, err := s.Joint(b, b, w); err == nil {
		t.Error("a joint step over a frozen Q-Former: no error")
	}
}

// matchGrads fails t where a gradient of params in got is off the one in
// want by more than 1e-5 + 1e-3 · the tensor's largest |want|, and returns
// the worst error in units of that tolerance.
func matchGrads(t *testing.T, what string, params []*weights.Param, got, want Grads) float64 {
	t.Helper()
	worst := 0.0
	for _, p := range params {
		g, h := got[p.Name], want[p.Name]
		if len(g) != len(h) {
			t.Fatalf("%s: %s: %d gradient entries, want %d", what, p.Name, len(g), len(h))
		}
		scale := 0.0
		for _, v := range h {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range h {
			e := math.Abs(float64(g[i]-h[i])) / (1e-5 + 1e-3*scale)
			worst = math.Max(worst, e)
			if e > 1 {
				t.Fatalf("%s: %s[%d] %.6g, want %.6g", what, p.Name, i, g[i], h[i])
			}
		}
	}
	return worst
}
