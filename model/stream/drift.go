package stream

import (
	"fmt"
	"math"

	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/nn"
	"blip2/model/weights"
)

// Drift compares two sets of reference outputs (original and converted
// weights, same inputs): the cosine of every float tensor, and whether the
// integer tensors (generated ids) are unchanged.
type Drift struct {
	Cosine       map[string]float64
	MaxAbs       map[string]float64 // max |converted − original| of every float tensor
	IDsUnchanged bool
}

func (d Drift) String() string {
	return fmt.Sprintf("qformer_query_output cosine %.6f, language_projection_output cosine %.6f, lm_logits cosine %.6f (max |Δ| %.3g), generated ids unchanged: %v",
		d.Cosine["qformer_query_output"], d.Cosine["language_projection_output"], d.Cosine["lm_logits"], d.MaxAbs["lm_logits"], d.IDsUnchanged)
}

// MeasureDrift runs both models on the same inputs and backend.
func MeasureDrift(b nn.Backend, base, conv *blip2.Model, in *blip2.Inputs) (Drift, error) {
	want, err := base.ReferenceOutputs(b, in)
	if err != nil {
		return Drift{}, err
	}
	got, err := conv.ReferenceOutputs(b, in)
	if err != nil {
		return Drift{}, err
	}
	d := Drift{Cosine: map[string]float64{}, MaxAbs: map[string]float64{}, IDsUnchanged: true}
	for i, w := range want {
		g := got[i]
		switch wv := w.Data.(type) {
		case []float32:
			gv := g.Data.([]float32)
			if len(gv) == len(wv) {
				d.Cosine[w.Name] = Cosine(wv, gv)
				for j := range wv {
					d.MaxAbs[w.Name] = math.Max(d.MaxAbs[w.Name], math.Abs(float64(gv[j])-float64(wv[j])))
				}
			} else {
				d.Cosine[w.Name] = math.NaN()
			}
		case []int64:
			gv := g.Data.([]int64)
			d.IDsUnchanged = d.IDsUnchanged && equalInts(wv, gv)
		}
	}
	return d, nil
}

// Cosine is the cosine similarity of two vectors.
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// LoadModel binds a converted model from its store, using the config in its
// manifest.
func LoadModel(s *Store) (*blip2.Model, error) { return bind(s, blip2.Load) }

// limited is a backend with an adapter's limits: the largest storage
// binding and buffer (a GPU backend).
type limited interface {
	Limits() (binding, buffer uint64)
}

// LoadResident binds a converted model with the layers of parts uploaded
// to b layer by layer as their shards arrive (blip2.LoadResident), each
// shard dropped once read: those layers are never whole in memory. A model
// that cannot fit the backend's limits is refused first (CheckLimits).
func LoadResident(s *Store, b nn.Backend, parts blip2.Resident) (*blip2.Model, error) {
	if l, ok := b.(limited); ok {
		binding, buffer := l.Limits()
		if err := CheckLimits(s.M, binding, buffer); err != nil {
			return nil, err
		}
	}
	s.DropRead = true
	// With the language model resident nothing reads a packed weight's
	// floats (the page, which keeps its language model on the host to
	// fine-tune it, keeps them).
	s.PackedOnly = parts&blip2.ResidentLM != 0
	return bind(s, func(c *config.Blip2Config, src weights.Store) (*blip2.Model, error) {
		return blip2.LoadResident(c, src, b, parts)
	})
}

func bind(s *Store, load func(*config.Blip2Config, weights.Store) (*blip2.Model, error)) (*blip2.Model, error) {
	cfg, err := configOf(s.M)
	if err != nil {
		return nil, err
	}
	m, err := load(cfg, s)
	if err != nil && s.Err() != nil {
		return nil, s.Err() // one cause, not an error per tensor
	}
	return m, err
}

var _ weights.Store = (*Store)(nil)
