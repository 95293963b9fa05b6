package blip2

import (
	"fmt"
	"math"
	"sort"
	"time"

	"blip2/model/nn"
)

// Gallery is a set of images ready for text search: the frozen encoder's
// features (for ITM re-ranking) and the ITC embeddings per query token.
type Gallery struct {
	Features nn.Tensor // (N, Nv, Dv)
	Embeds   nn.Tensor // (N, Q, d), unit vectors
}

// Free releases the gallery's tensors.
func (g *Gallery) Free(b nn.Backend) { b.Free(g.Features, g.Embeds) }

// EmbedImages encodes pixels (N, 3, S, S) into a gallery.
func (m *Model) EmbedImages(b nn.Backend, pixels nn.Tensor) (*Gallery, error) {
	if !m.Retrieval() {
		return nil, fmt.Errorf("blip2: this checkpoint has no ITC/ITM heads (use a retrieval checkpoint such as blip2-itm-vit-g)")
	}
	vh, img := m.Vision.Forward(b, pixels)
	b.Free(vh...)
	qh := m.QueryOutput(b, img)
	z := qh[len(qh)-1]
	g := &Gallery{Features: img, Embeds: m.ImageEmbeds(b, z)}
	b.Free(qh...)
	return g, b.Err()
}

// Append adds another gallery's images after g's (g takes ownership of
// other's tensors), so a large gallery can be encoded in small batches.
func (g *Gallery) Append(b nn.Backend, other *Gallery) {
	if g.Features == nil {
		*g = *other
		return
	}
	g.Features = catRows(b, g.Features, other.Features)
	g.Embeds = catRows(b, g.Embeds, other.Embeds)
}

// catRows concatenates along axis 0 by viewing both as single rows.
func catRows(b nn.Backend, x, y nn.Tensor) nn.Tensor {
	xs, ys := x.Shape(), y.Shape()
	nx, ny := numel(xs), numel(ys)
	out := b.Concat(b.Reshape(x, 1, nx, 1), b.Reshape(y, 1, ny, 1))
	b.Free(x, y)
	return b.Reshape(out, append([]int{xs[0] + ys[0]}, xs[1:]...)...)
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Hit is one ranked image.
type Hit struct {
	Index int
	ITC   float32 // max over queries of the cosine similarity
	ITM   float32 // match probability, for re-ranked hits; -1 otherwise
	// Score is what the order follows: ITC, and for re-ranked hits
	// RerankScore (ITM's log-odds of a match plus ITC's logit).
	Score float32
}

// Search ranks the gallery for one tokenized text (ids and mask without
// padding are fine): every image by ITC, then the best rerank of them again
// by RerankScore (ITM's log-odds plus ITC's logit), which is what the
// final order follows.
func (m *Model) Search(b nn.Backend, g *Gallery, ids, mask []int, rerank int) ([]Hit, error) {
	return m.SearchTimed(b, g, ids, mask, rerank, nil)
}

// SearchTimes is where one search's time went: ITC over every image (the
// text encoded, the similarities read back), then ITM's re-ranking.
type SearchTimes struct{ ITC, ITM time.Duration }

// SearchTimed is Search, recording each stage's time in t (if not nil).
func (m *Model) SearchTimed(b nn.Backend, g *Gallery, ids, mask []int, rerank int, t *SearchTimes) ([]Hit, error) {
	if t == nil {
		t = &SearchTimes{}
	}
	start := time.Now()
	_, th := m.TextHidden(b, [][]int{ids}, [][]int{mask})
	te := m.TextEmbeds(b, th[len(th)-1]) // (1, d)
	b.Free(th...)
	sim := m.Similarity(b, g.Embeds, te) // (N, 1)
	b.Free(te)
	scores, err := b.Read(sim)
	b.Free(sim)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, len(scores))
	for i, s := range scores {
		hits[i] = Hit{Index: i, ITC: s, ITM: -1, Score: s}
	}
	sort.SliceStable(hits, func(a, c int) bool { return hits[a].ITC > hits[c].ITC })
	t.ITC = time.Since(start)
	start = time.Now()
	defer func() { t.ITM = time.Since(start) }()
	k := min(rerank, len(hits))
	if k == 0 {
		return hits, nil
	}
	rows := make([]int, k)
	idRows, maskRows := make([][]int, k), make([][]int, k)
	for i := range rows {
		rows[i], idRows[i], maskRows[i] = hits[i].Index, ids, mask
	}
	feats := b.Select(g.Features, rows)
	last := m.ITMHidden(b, feats, idRows, maskRows)
	perQuery := m.ITMLogits(b, last)
	logits := b.MeanOver(perQuery) // (k, 2)
	b.Free(feats, last, perQuery)
	l, err := b.Read(logits)
	b.Free(logits)
	if err != nil {
		return nil, err
	}
	for i := 0; i < k; i++ {
		hits[i].ITM = float32(1 / (1 + math.Exp(float64(l[2*i]-l[2*i+1])))) // softmax(…)[1]
		hits[i].Score = m.RerankScore(hits[i].ITC, l[2*i], l[2*i+1])
	}
	sort.SliceStable(hits[:k], func(a, c int) bool { return hits[a].Score > hits[c].Score })
	return hits, nil
}
