package finetune

import (
	"sort"
	"strconv"

	"blip2/model/app"
	"blip2/model/weights"
)

// HeldOut is how the model does on one held-out pair: its caption of the
// image, and the rank (1 = best) of the image among all the session's
// images when searching for the pair's own caption.
type HeldOut struct {
	Name, Caption, Generated string
	Rank, Of                 int
}

// Evaluate captions the held-out images with c and ranks each, by ITC
// similarity to its caption, among every usable image of the session and
// others (preprocessed images from outside it, such as the page's
// gallery, so that a concept learned shows as its images rising above
// the rest). It runs the model as it is now: before Apply, the base.
func (t *Tuner) Evaluate(c *app.Captioner, others [][]float32) ([]HeldOut, error) {
	all := append(append([]*example(nil), t.train...), t.held...)
	x := &app.Index{Model: t.m.Model, Backend: c.Backend, Tok: t.qtok}
	defer x.Free()
	// Names may repeat (two folders): the index keys by position.
	ids, px := make([]string, len(all)), make([][]float32, len(all))
	for i, e := range all {
		ids[i], px[i] = strconv.Itoa(i), e.pixels
	}
	for i, o := range others {
		ids, px = append(ids, "other-"+strconv.Itoa(i)), append(px, o)
	}
	if err := x.Add(ids, px); err != nil {
		return nil, err
	}
	var out []HeldOut
	for j, e := range t.held {
		text, err := c.Caption(e.pixels, "")
		if err != nil {
			return nil, err
		}
		hits, _, err := x.Search(e.Caption, len(ids))
		if err != nil {
			return nil, err
		}
		h := HeldOut{Name: e.Name, Caption: e.Caption, Generated: text, Of: len(ids)}
		self := ids[len(t.train)+j]
		for r, hit := range hits {
			if hit.ID == self {
				h.Rank = r + 1
			}
		}
		out = append(out, h)
	}
	return out, nil
}

func sortedParams(ps []*weights.Param) []*weights.Param {
	out := append([]*weights.Param(nil), ps...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
