package blip2

import (
	"fmt"
	"math"

	"blip2/model/nn"
	"blip2/model/weights"
)

// Probe runs one layer of each tower and one decoding step: what a
// full-size model can afford where a whole caption cannot (a browser on
// a software adapter), and what its run is checked against a native run
// of the same weights with (CompareProbe). Every weight the probe does
// not touch is still bound, so a probe of a resident model is a probe of
// the whole load. Outputs:
//   - vision_layer0: encoder layer 0 over the embeddings of a fixed image
//     (ProbePixels), (1, 1+P, Dv);
//   - qformer_layer0: Q-Former layer 0 over the learned queries, attending
//     to post_layernorm of that layer's output, (1, Q, h);
//   - itc_image_embeds and qformer_text_layer0, for a retrieval model: ITC's
//     image side of qformer_layer0, (1, Q, d), and the text tower's layer
//     0 over eight fixed token ids, (1, 8, h);
//   - language_projection: the first query row projected, (1, 1, d_lm),
//     when the model has a language model;
//   - lm_logits: one decoding step, (1, 1, V). OPT reads [that row; BOS] and
//     the logits are the last position's; T5 encodes that row and its
//     decoder takes the start token.
func (m *Model) Probe(b nn.Backend) ([]weights.Tensor, error) {
	o := &outputs{b: b}
	s := m.Config.Vision.ImageSize
	pixels := b.Upload(ProbePixels(s), 1, 3, s, s)
	x := m.Vision.Embed(b, pixels)
	v0 := m.Vision.Layer(b, 0, x)
	b.Free(pixels, x)
	o.add("vision_layer0", v0)
	img := m.Vision.Post.Forward(b, v0)
	b.Free(v0)

	nq, h := m.Config.NumQueryTokens, m.Config.QFormer.HiddenSize
	q := repeat(b, &m.QueryTokens, 1, nq, h)
	in := QFormerInput{NQ: nq, Image: img}
	n := m.QFormer.Norm.Forward(b, q)
	q0 := m.QFormer.Layer(b, 0, n, in)
	b.Free(q, n, img)
	o.add("qformer_layer0", q0)
	defer b.Free(q0)
	if m.Retrieval() {
		m.probeText(b, o, q0)
	}
	if m.LangProj == nil {
		return o.done(b)
	}
	row := b.Rows(q0, 0, 1)
	p := m.LangProj.Forward(b, row)
	b.Free(row)
	defer b.Free(p)
	o.add("language_projection", p)
	var logits nn.Tensor
	switch {
	case m.OPT != nil:
		bos := intOr(m.Config.OPT.BOSTokenID, 2)
		tok := m.OPT.EmbedTokens(b, [][]int{{bos}})
		seq := b.Concat(p, tok)
		hidden, all := m.OPT.Forward(b, seq, [][]int{{1, 1}}, nil)
		b.Free(append(hidden, tok, seq)...)
		logits = b.Rows(all, 1, 1)
		b.Free(all)
	case m.T5 != nil:
		enc := m.T5.Encode(b, p, [][]int{{1}})
		start := intOr(m.Config.T5.DecoderStartTokenID, 0)
		hidden, all := m.T5.Decode(b, [][]int{{start}}, enc[len(enc)-1], [][]int{{1}}, [][]int{{1}}, nil)
		b.Free(append(hidden, enc[1:]...)...) // enc[0] is p
		logits = all
	default:
		return nil, fmt.Errorf("blip2: a language projection without a language model")
	}
	o.add("lm_logits", logits)
	b.Free(logits)
	return o.done(b)
}

func (m *Model) probeText(b nn.Backend, o *outputs, q0 nn.Tensor) {
	ie := m.ImageEmbeds(b, q0)
	o.add("itc_image_embeds", ie)
	ids := make([]int, 8)
	for i := range ids {
		ids[i] = (i + 1) % m.Config.QFormer.VocabSize
	}
	e := m.TextEmbed.Forward(b, [][]int{ids})
	n := m.QFormer.Norm.Forward(b, e)
	t0 := m.QFormer.Layer(b, 0, n, QFormerInput{})
	o.add("qformer_text_layer0", t0)
	b.Free(ie, e, n, t0)
}

// done is the collected outputs, or the first error of the pass.
func (o *outputs) done(b nn.Backend) ([]weights.Tensor, error) {
	if o.err != nil {
		return nil, o.err
	}
	return o.out, b.Err()
}

// ProbePixels is the probe's image (3, s, s), already normalised: smooth
// stripes of a different frequency per channel, in about [-2, 2], the
// range of CLIP-normalised pixels.
func ProbePixels(s int) []float32 {
	out := make([]float32, 3*s*s)
	for c := 0; c < 3; c++ {
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				f := float64(c+1) * 2 * math.Pi / float64(s)
				out[(c*s+y)*s+x] = float32(1.8 * math.Sin(f*float64(x)+0.5*f*float64(y)+float64(c)))
			}
		}
	}
	return out
}
