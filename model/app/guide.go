package app

import (
	"fmt"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// ITCGuide is the guide of blip2.GenerateOptions for pixels (B, 3, S, S):
// it scores captions by the model's ITC logit (cosine / temperature)
// against their row's image, the text through the Q-Former's tokenizer q
// after decoding with the language model's lm. release frees the image
// embeddings it holds.
func ITCGuide(m *blip2.Model, b nn.Backend, lm, q Tokenizer, pixels nn.Tensor) (guide blip2.Guide, release func(), err error) {
	gal, err := m.EmbedImages(b, pixels)
	if err != nil {
		return nil, nil, err
	}
	return &itcGuide{m: m, b: b, lm: lm, q: q, embeds: gal.Embeds}, func() { gal.Free(b) }, nil
}

// itcGuide scores captions by ITC against one image per row.
type itcGuide struct {
	m      *blip2.Model
	b      nn.Backend
	lm, q  Tokenizer
	embeds nn.Tensor // (rows, Q, d): ITC's image embeddings
}

func (g *itcGuide) Score(row int, cands [][]int) ([]float32, error) {
	texts := make([]string, len(cands))
	for i, c := range cands {
		texts[i] = g.lm.Decode(c, true)
	}
	ids, mask := qformerBatch(g.m, g.q, texts)
	_, th := g.m.TextHidden(g.b, ids, mask)
	te := g.m.TextEmbeds(g.b, th[len(th)-1])
	g.b.Free(th...)
	img := g.b.Select(g.embeds, []int{row})
	sim := g.m.Similarity(g.b, img, te) // (1, len(cands))
	g.b.Free(img, te)
	s, err := g.b.Read(sim)
	g.b.Free(sim)
	if err != nil {
		return nil, err
	}
	if len(s) != len(cands) {
		return nil, fmt.Errorf("guide: %d similarities for %d candidates", len(s), len(cands))
	}
	temp := g.m.Temp
	if temp <= 0 {
		temp = 1
	}
	for i := range s {
		s[i] /= temp
	}
	return s, nil
}

// qformerBatch tokenizes texts for the Q-Former's text side (each cut to
// its positions), padded on the right to the longest, with their mask.
func qformerBatch(m *blip2.Model, q Tokenizer, texts []string) (ids, mask [][]int) {
	width := 0
	for _, t := range texts {
		row, _ := qformerIDs(m, q, t)
		ids = append(ids, row)
		width = max(width, len(row))
	}
	mask = make([][]int, len(ids))
	for i := range ids {
		mask[i] = make([]int, width)
		for j := range ids[i] {
			mask[i][j] = 1
		}
		ids[i] = append(ids[i], make([]int, width-len(ids[i]))...)
	}
	return ids, mask
}
