package eval

import (
	"fmt"
	"io"

	"blip2/model/blip2"
	"blip2/model/nn"
	"blip2/model/train"
)

// RetrievalReport is retrieval recall on a set for each scorer.
type RetrievalReport struct {
	Images int `json:"images"`
	// DualEncoder is stage 0's CLIP-style dual encoder, when given.
	DualEncoder *Both `json:"dual_encoder,omitempty"`
	ITC         Both  `json:"itc"`
	// ITCITM re-ranks ITC's top Rerank candidates by ITM's log-odds of a
	// match plus ITC's logit (blip2.Model.RerankScore, what search uses).
	ITCITM *Both `json:"itc_itm,omitempty"`
	Rerank int   `json:"rerank,omitempty"`
}

// Dual is a stage-0 dual encoder: a model (its ViT and text tower) and
// the visual projection.
type Dual struct {
	Model *blip2.Model
	Head  *train.DualHead
}

// Retrieval scores every image of set against every caption with ITC
// (and ITM re-ranking of the top rerank, when rerank > 0), and with dual
// when it is not nil.
func Retrieval(b nn.Backend, m *blip2.Model, dual *Dual, set Set, rerank int, progress io.Writer) (*RetrievalReport, error) {
	if set.N < 2 || len(set.IDs) != set.N || len(set.Mask) != set.N {
		return nil, fmt.Errorf("eval: a set of %d images and %d captions", set.N, len(set.IDs))
	}
	if progress == nil {
		progress = io.Discard
	}
	enc, err := encode(b, m, set, progress)
	if err != nil {
		return nil, err
	}
	defer enc.free(b)
	n := set.N
	r := &RetrievalReport{Images: n}
	sim := enc.itcScores(n)
	if r.ITC, err = both(sim, n, 0, nil, nil); err != nil {
		return nil, err
	}
	if rerank > 0 {
		r.Rerank = rerank
		done := 0
		i2t := func(q int, texts []int) ([]float32, error) {
			rows := make([]int, len(texts))
			ids, mask := make([][]int, len(texts)), make([][]int, len(texts))
			for i, t := range texts {
				rows[i], ids[i], mask[i] = q, set.IDs[t], set.Mask[t]
			}
			done++
			fmt.Fprintf(progress, "\rITM re-ranking %d/%d ", done, 2*n)
			return rerankScores(b, m, enc.feats, rows, ids, mask, func(i int) float32 { return sim[q*n+texts[i]] })
		}
		t2i := func(q int, images []int) ([]float32, error) {
			ids, mask := make([][]int, len(images)), make([][]int, len(images))
			for i := range images {
				ids[i], mask[i] = set.IDs[q], set.Mask[q]
			}
			done++
			fmt.Fprintf(progress, "\rITM re-ranking %d/%d ", done, 2*n)
			return rerankScores(b, m, enc.feats, images, ids, mask, func(i int) float32 { return sim[images[i]*n+q] })
		}
		rr, err := both(sim, n, rerank, i2t, t2i)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(progress)
		r.ITCITM = &rr
	}
	if dual != nil {
		de := enc
		if dual.Model != m {
			if de, err = encode(b, dual.Model, set, progress); err != nil {
				return nil, err
			}
			defer de.free(b)
		}
		d, err := both(de.dualScores(n, dual.Head), n, 0, nil, nil)
		if err != nil {
			return nil, err
		}
		r.DualEncoder = &d
	}
	return r, nil
}

// both is recall in both directions from the image × text matrix sim.
func both(sim []float32, n, k int, i2t, t2i Rescorer) (Both, error) {
	var out Both
	ri, err := Ranks(sim, n, k, i2t)
	if err != nil {
		return out, err
	}
	rt, err := Ranks(transpose(sim, n), n, k, t2i)
	if err != nil {
		return out, err
	}
	return Both{ImageToText: recallOf(ri), TextToImage: recallOf(rt)}, nil
}
