package eval

import (
	"fmt"
	"io"
	"strings"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// CaptionReport is captioning quality on a set: corpus BLEU-4 and
// CIDEr-D of one generated caption per image against all of its captions.
type CaptionReport struct {
	Images int       `json:"images"`
	BLEU4  BLEUScore `json:"bleu4"`
	CIDErD float64   `json:"cider_d"`
	Beams  int       `json:"beams"`
	Naming Naming    `json:"naming"`
}

// Preparer makes what a batch of pixels (B, 3, S, S) is decoded with
// besides the options (app.PrepareDecoding): the guide
// (blip2.GenerateOptions.Guide; nil for none) and the captions' first
// words as prompt rows for Generate with PromptInCaption (nil for none);
// release frees what they hold.
type Preparer func(pixels nn.Tensor) (g blip2.Guide, ids, mask [][]int, release func(), err error)

// Caption generates one caption for each of n images, batch images a
// forward; decode turns generated ids into text. prepare, if not nil,
// guides each batch's decoding and starts its captions.
func Caption(b nn.Backend, m *blip2.Model, n int, pixels func(i int) ([]float32, error),
	decode func(ids []int) string, o blip2.GenerateOptions, prepare Preparer, progress io.Writer) ([]string, error) {
	if progress == nil {
		progress = io.Discard
	}
	S := m.Config.Vision.ImageSize
	out := make([]string, 0, n)
	for start := 0; start < n; start += batch {
		k := min(batch, n-start)
		t, err := uploadImages(b, pixels, start, k, S)
		if err != nil {
			return nil, err
		}
		release := func() {}
		var ids, mask [][]int
		if prepare != nil {
			if o.Guide, ids, mask, release, err = prepare(t); err != nil {
				b.Free(t)
				return nil, err
			}
			o.PromptInCaption = ids != nil
		}
		g, err := m.Generate(b, t, ids, mask, o)
		release()
		b.Free(t)
		if err != nil {
			return nil, err
		}
		for _, ids := range g.IDs {
			out = append(out, strings.TrimSpace(decode(ids)))
		}
		fmt.Fprintf(progress, "\rcaptioning %d/%d ", start+k, n)
	}
	fmt.Fprintln(progress)
	return out, nil
}

// uploadImages uploads images start … start+k−1 as one (k, 3, S, S) batch.
func uploadImages(b nn.Backend, pixels func(i int) ([]float32, error), start, k, S int) (nn.Tensor, error) {
	var px []float32
	for i := start; i < start+k; i++ {
		p, err := pixels(i)
		if err != nil {
			return nil, err
		}
		px = append(px, p...)
	}
	return b.Upload(px, k, 3, S, S), nil
}

// ScoreCaptions is BLEU-4, CIDEr-D and naming (ScoreNaming, with the
// caption template's words) of cands[i] against refs[i].
func ScoreCaptions(cands []string, refs [][]string, template []string) (*CaptionReport, error) {
	cw, rw := make([][]string, len(cands)), make([][][]string, len(refs))
	for i, c := range cands {
		cw[i] = Words(c)
	}
	for i, rs := range refs {
		for _, r := range rs {
			rw[i] = append(rw[i], Words(r))
		}
	}
	bleu, err := BLEU(cw, rw, 4)
	if err != nil {
		return nil, err
	}
	cider, _, err := CIDErD(cw, rw)
	if err != nil {
		return nil, err
	}
	return &CaptionReport{Images: len(cands), BLEU4: bleu, CIDErD: cider, Naming: ScoreNaming(cands, refs, template)}, nil
}
