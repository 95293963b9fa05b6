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

// ReinitCrossAttention draws the Q-Former's cross-attention layers anew:
// matrices N(0, std²), biases 0, LayerNorms 1 and 0. Stage 1 is where
// they first train, and at BERT's 0.02 a narrow Q-Former's queries barely
// see the image for hundreds of steps (the cross-attention adds about 1%
// to the query stream), which holds ITM at its prior until ITC is nearly
// solved; a fan-in scale lets the image in from the first step.
func (m *Model) ReinitCrossAttention(rng *rand.Rand, std float64) {
	for i := range m.QFormer.Layers {
		if ca := m.QFormer.Layers[i].CrossAttention; ca != nil {
			RandomInit(collectParams(ca), rng, std, 0)
		}
	}
}
