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

// Guider makes the decoding guide (blip2.GenerateOptions.Guide) of a batch
// of pixels (B, 3, S, S); release frees what the guide holds.
type Guider func(pixels nn.Tensor) (g blip2.Guide, release func(), err error)

// Prompter gives a batch of pixels (B, 3, S, S) the first words of their
// captions (app.PrefixBank.PromptsFor): prompt rows for Generate with
// PromptInCaption.
type Prompter func(pixels nn.Tensor) (ids, mask [][]int, err error)

// Caption generates one caption for each of n images, batch images a
// forward; decode turns generated ids into text. guider, if not nil,
// guides each batch's decoding; prompter, if not nil, starts each caption.
func Caption(b nn.Backend, m *blip2.Model, n int, pixels func(i int) ([]float32, error),
	decode func(ids []int) string, o blip2.GenerateOptions, guider Guider, prompter Prompter, progress io.Writer) ([]string, error) {
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
		if guider != nil {
			if o.Guide, release, err = guider(t); err != nil {
				b.Free(t)
				return nil, err
			}
		}
		var ids, mask [][]int
		if prompter != nil {
			if ids, mask, err = prompter(t); err != nil {
				release()
				b.Free(t)
				return nil, err
			}
			o.PromptInCaption = true
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
