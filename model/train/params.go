package train

import (
	"sort"

	"blip2/model/weights"
)

// collectParams is weights.Params: the named tensors under v.
func collectParams(v any) []*weights.Param { return weights.Params(v) }

// Stage1Params are the parameters stage 1 trains: query tokens, ln_vision,
// the whole Q-Former (text feed-forward included), the text embeddings,
// the projections, the ITM and ITG heads and temp; the ViT below
// ln_vision is frozen. Sorted by name.
func (m *Model) Stage1Params() []*weights.Param {
	ps := []*weights.Param{&m.QueryTokens, &m.Vision.Post.Weight, &m.Vision.Post.Bias, &m.Temp}
	ps = append(ps, collectParams(m.QFormer)...)
	for _, part := range []any{m.TextEmbed, m.VisionProj, m.TextProj, m.ITMHead, m.Head} {
		ps = append(ps, collectParams(part)...)
	}
	return sortParams(ps)
}

// Stage2Params are the parameters stage 2 trains: query tokens, ln_vision,
// the Q-Former's query path (no text feed-forward) and the language
// projection; with FreezeQFormer, the language projection alone. Sorted
// by name.
func (m *Model) Stage2Params() []*weights.Param {
	if m.FreezeQFormer {
		return sortParams(collectParams(m.LangProj))
	}
	ps := []*weights.Param{&m.QueryTokens, &m.Vision.Post.Weight, &m.Vision.Post.Bias}
	ps = append(ps, collectParams(&m.QFormer.Norm)...)
	for i := range m.QFormer.Layers {
		l := &m.QFormer.Layers[i]
		for _, part := range []any{&l.Attention, l.CrossAttention, &l.QueryUp, &l.QueryDown, &l.QueryNorm} {
			ps = append(ps, collectParams(part)...)
		}
	}
	ps = append(ps, collectParams(m.LangProj)...)
	return sortParams(ps)
}

func sortParams(ps []*weights.Param) []*weights.Param {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}
