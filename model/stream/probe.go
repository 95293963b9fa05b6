package stream

import (
	"fmt"
	"math"
	"strings"

	"blip2/model/blip2"
	"blip2/model/weights"
)

// ProbeCosine is how close two runs of blip2.Model.Probe over the same
// weights must be, per output: different adapters add in different
// orders, and nothing else may differ.
const ProbeCosine = 0.9999

// Agreement is one probe output of two runs of the same weights.
type Agreement struct {
	Name   string
	Cosine float64
	MaxAbs float64 // largest |got − want|
	// Top is the highest logit's index in each run (lm_logits only).
	TopGot, TopWant int
}

// OK says whether the runs agree: cosine at least ProbeCosine, and the
// same next token.
func (a Agreement) OK() bool { return a.Cosine >= ProbeCosine && a.TopGot == a.TopWant }

func (a Agreement) String() string {
	s := fmt.Sprintf("%s: cosine %.7f, max |Δ| %.3g", a.Name, a.Cosine, a.MaxAbs)
	if a.TopGot >= 0 {
		s += fmt.Sprintf(", next token %d (other run %d)", a.TopGot, a.TopWant)
	}
	return s
}

// CompareProbe compares a probe's outputs with another run's, read from
// want: every output of want must be there with its shape.
func CompareProbe(got []weights.Tensor, want weights.Store) ([]Agreement, error) {
	byName := map[string]weights.Tensor{}
	for _, g := range got {
		byName[g.Name] = g
	}
	var out []Agreement
	for _, name := range want.Names() {
		info, _ := want.Info(name)
		g, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("probe: %s not produced", name)
		}
		if fmt.Sprint(g.Shape) != fmt.Sprint(info.Shape) {
			return nil, fmt.Errorf("probe: %s has shape %v, the other run %v", name, g.Shape, info.Shape)
		}
		w, err := want.ReadF32(name)
		if err != nil {
			return nil, err
		}
		v := g.Data.([]float32)
		a := Agreement{Name: name, Cosine: Cosine(v, w), TopGot: -1, TopWant: -1}
		for i := range v {
			d := math.Abs(float64(v[i]) - float64(w[i]))
			if d > a.MaxAbs || math.IsNaN(d) {
				a.MaxAbs = d
			}
		}
		if math.IsNaN(a.Cosine) {
			a.Cosine = 0
		}
		if strings.HasSuffix(name, "logits") {
			a.TopGot, a.TopWant = blip2.Argmax(v), blip2.Argmax(w)
		}
		out = append(out, a)
	}
	return out, nil
}
