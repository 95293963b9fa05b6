package app

import (
	"fmt"
	"strings"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// Index is text search over images held on the device: ITC embeddings and
// the frozen encoder's features (for ITM re-ranking), added in batches.
// `server search` and the page's gallery both search through it.
type Index struct {
	Model   *blip2.Model
	Backend nn.Backend
	Tok     Tokenizer
	// Rerank is how many ITC results ITM re-ranks.
	Rerank int

	g   blip2.Gallery
	ids []string
}

// Hit is one result: the image's id, its ITC similarity, ITM's match
// probability (−1 when not re-ranked) and the score the order follows.
type Hit struct {
	ID              string
	ITC, ITM, Score float32
}

// batchImages is how many images one encoder pass takes.
const batchImages = 16

// Add encodes preprocessed images (3·S·S floats each) under ids.
func (x *Index) Add(ids []string, pixels [][]float32) error {
	size := x.Model.Config.Vision.ImageSize
	for start := 0; start < len(ids); start += batchImages {
		end := min(start+batchImages, len(ids))
		var px []float32
		for _, p := range pixels[start:end] {
			if len(p) != 3*size*size {
				return fmt.Errorf("image %s: %d values, want 3×%d×%d", ids[start], len(p), size, size)
			}
			px = append(px, p...)
		}
		t := x.Backend.Upload(px, end-start, 3, size, size)
		part, err := x.Model.EmbedImages(x.Backend, t)
		x.Backend.Free(t)
		if err != nil {
			return err
		}
		x.g.Append(x.Backend, part)
		x.ids = append(x.ids, ids[start:end]...)
	}
	return nil
}

// Len is the number of images indexed.
func (x *Index) Len() int { return len(x.ids) }

// Free releases the index's device memory.
func (x *Index) Free() {
	if x.g.Features != nil {
		x.g.Free(x.Backend)
	}
	x.g, x.ids = blip2.Gallery{}, nil
}

// Search returns the best k images for text. An empty text is an error; a
// text longer than the Q-Former's positions is cut to them, and cut says
// so.
func (x *Index) Search(text string, k int) (hits []Hit, cut bool, err error) {
	return x.SearchTimed(text, k, nil)
}

// SearchTimed is Search, recording the ITC and ITM times in t (if not nil).
func (x *Index) SearchTimed(text string, k int, t *blip2.SearchTimes) (hits []Hit, cut bool, err error) {
	if strings.TrimSpace(text) == "" {
		return nil, false, fmt.Errorf("type some words to search for")
	}
	if len(x.ids) == 0 {
		return nil, false, fmt.Errorf("the index holds no images yet")
	}
	ids, cut := qformerIDs(x.Model, x.Tok, text)
	mask := make([]int, len(ids))
	for i := range mask {
		mask[i] = 1
	}
	raw, err := x.Model.SearchTimed(x.Backend, &x.g, ids, mask, x.Rerank, t)
	if err != nil {
		return nil, cut, err
	}
	for _, h := range raw[:min(k, len(raw))] {
		hits = append(hits, Hit{ID: x.ids[h.Index], ITC: h.ITC, ITM: h.ITM, Score: h.Score})
	}
	return hits, cut, nil
}

// qformerIDs encodes text for the Q-Former's text side, cut to its
// positions with [SEP] kept; cut says whether anything was dropped.
func qformerIDs(m *blip2.Model, tok Tokenizer, text string) (ids []int, cut bool) {
	ids = tok.Encode(text)
	if n := m.Config.QFormer.MaxPositionEmbeddings; len(ids) > n {
		ids, cut = append(ids[:n-1:n-1], ids[len(ids)-1]), true // keep [SEP]
	}
	return ids, cut
}

// Snapshot is an index read back to the host: ids, the features
// (N, Nv, Dv) and the ITC embeddings (N, Q, d), to keep between visits.
type Snapshot struct {
	IDs                      []string
	Features, Embeds         []float32
	FeatureShape, EmbedShape []int
}

// Snapshot reads the index back, keeping the images keep says yes to.
func (x *Index) Snapshot(keep func(id string) bool) (*Snapshot, error) {
	if len(x.ids) == 0 {
		return nil, fmt.Errorf("the index holds no images")
	}
	f, err := x.Backend.Read(x.g.Features)
	if err != nil {
		return nil, err
	}
	e, err := x.Backend.Read(x.g.Embeds)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{FeatureShape: append([]int(nil), x.g.Features.Shape()...), EmbedShape: append([]int(nil), x.g.Embeds.Shape()...)}
	fr, er := len(f)/len(x.ids), len(e)/len(x.ids)
	for i, id := range x.ids {
		if keep(id) {
			s.IDs = append(s.IDs, id)
			s.Features = append(s.Features, f[i*fr:(i+1)*fr]...)
			s.Embeds = append(s.Embeds, e[i*er:(i+1)*er]...)
		}
	}
	s.FeatureShape[0], s.EmbedShape[0] = len(s.IDs), len(s.IDs)
	return s, nil
}

// Restore replaces the index's content with a snapshot, after checking
// that its shapes are this model's.
func (x *Index) Restore(s *Snapshot) error {
	c := x.Model.Config
	n := len(s.IDs)
	ok := n > 0 && len(s.FeatureShape) == 3 && len(s.EmbedShape) == 3 && s.FeatureShape[0] == n && s.EmbedShape[0] == n &&
		s.FeatureShape[2] == c.Vision.HiddenSize && s.EmbedShape[1] == c.NumQueryTokens &&
		len(s.Features) == n*s.FeatureShape[1]*s.FeatureShape[2] && len(s.Embeds) == n*s.EmbedShape[1]*s.EmbedShape[2]
	if !ok {
		return fmt.Errorf("a saved index of shapes %v and %v does not fit this model", s.FeatureShape, s.EmbedShape)
	}
	x.Free()
	x.g = blip2.Gallery{Features: x.Backend.Upload(s.Features, s.FeatureShape...), Embeds: x.Backend.Upload(s.Embeds, s.EmbedShape...)}
	x.ids = append([]string(nil), s.IDs...)
	return nil
}
