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
	d, err := PrepareDecoding(m, b, lm, q, true, nil, pixels)
	if err != nil {
		return nil, nil, err
	}
	return d.Guide, d.Release, nil
}

// Decoding is what a batch of images is decoded with besides the
// options: ITC's guide among the finished beams, and each caption's start
// as prompt rows for Generate with PromptInCaption.
type Decoding struct {
	Guide     blip2.Guide // nil: the best beam
	IDs, Mask [][]int     // nil: the language model starts alone
	b         nn.Backend
	gal       *blip2.Gallery
}

// Release frees the image embeddings the guide holds.
func (d *Decoding) Release() {
	if d.gal != nil {
		d.gal.Free(d.b)
	}
}

// PrepareDecoding embeds pixels (B, 3, S, S) once for both: the guide when
// guided (texts through the language model's lm, then the Q-Former's q),
// the starts when bank is not nil. Neither wanted, nothing is computed.
func PrepareDecoding(m *blip2.Model, b nn.Backend, lm, q Tokenizer, guided bool, bank *PrefixBank, pixels nn.Tensor) (*Decoding, error) {
	d := &Decoding{b: b}
	if !guided && bank == nil {
		return d, nil
	}
	gal, err := m.EmbedImages(b, pixels)
	if err != nil {
		return nil, err
	}
	d.gal = gal
	if guided {
		d.Guide = &itcGuide{m: m, b: b, lm: lm, q: q, embeds: gal.Embeds}
	}
	if bank != nil {
		if d.IDs, d.Mask, err = bank.Prompts(gal.Embeds); err != nil {
			d.Release()
			return nil, err
		}
	}
	return d, nil
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
	rows := make([][]int, len(texts))
	for i, t := range texts {
		rows[i], _ = qformerIDs(m, q, t)
	}
	return padRows(rows)
}

// padRows pads token rows on the right (with 0) to the longest, with their
// mask; the rows are copied.
func padRows(rows [][]int) (ids, mask [][]int) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	ids, mask = make([][]int, len(rows)), make([][]int, len(rows))
	for i, r := range rows {
		ids[i], mask[i] = make([]int, width), make([]int, width)
		copy(ids[i], r)
		for j := range r {
			mask[i][j] = 1
		}
	}
	return ids, mask
}
