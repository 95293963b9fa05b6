package train

import (
	"math/rand/v2"
	"strings"

	"blip2/model/weights"
)

// AllParams returns every parameter of the model, frozen ones included
// (the ViT, the language model), plus the ITG head and temp.
func (m *Model) AllParams() []*weights.Param {
	ps := collectParams(m.Model)
	if m.Head != nil {
		ps = append(ps, collectParams(m.Head)...)
	}
	if m.Dual != nil {
		ps = append(ps, collectParams(m.Dual)...)
	}
	return append(ps, &m.Temp)
}

// RandomInit overwrites parameters in place (views such as the ViT's
// split qkv stay valid): matrices and query tokens from N(0, std²),
// LayerNorm weights 1 + N(0, jitter²), biases and the other vectors
// N(0, jitter²) (the LAVIS initialisation is jitter = 0). temp is left
// alone.
func RandomInit(ps []*weights.Param, rng *rand.Rand, std, jitter float64) {
	for _, p := range ps {
		if p.Name == "temp" {
			continue
		}
		vector := len(p.Shape) == 1
		norm := vector && strings.HasSuffix(p.Name, ".weight") && strings.Contains(strings.ToLower(p.Name), "norm")
		for i := range p.Data {
			switch {
			case norm:
				p.Data[i] = float32(1 + jitter*rng.NormFloat64())
			case vector:
				p.Data[i] = float32(jitter * rng.NormFloat64())
			default:
				p.Data[i] = float32(std * rng.NormFloat64())
			}
		}
	}
}
