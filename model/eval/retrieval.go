package eval

import (
	"fmt"
	"io"
	"math"

	"blip2/model/blip2"
	"blip2/model/nn"
	"blip2/model/train"
)

// Set is n images and their captions (tokenized, padded to one length):
// image i matches caption i.
type Set struct {
	N         int
	Pixels    func(i int) ([]float32, error) // (3, S, S) of image i
	IDs, Mask [][]int
}

// batch is how many images or texts one forward encodes.
const batch = 16

// encoded is a set through one model: the ViT's post-LN CLS token per
// image, the ITC embeddings of images (N, Q, E) and texts (N, E), and the
// frozen features on the device for ITM.
type encoded struct {
	cls, img, txt []float32
	q, e, h       int
	feats         nn.Tensor
}

func (e *encoded) free(b nn.Backend) { b.Free(e.feats) }

func encode(b nn.Backend, m *blip2.Model, set Set, progress io.Writer) (*encoded, error) {
	if !m.Retrieval() {
		return nil, fmt.Errorf("eval: the checkpoint has no Q-Former text side (ITC/ITM heads)")
	}
	c := m.Config
	S := c.Vision.ImageSize
	out := &encoded{q: c.NumQueryTokens, e: c.ImageTextHiddenSize, h: c.Vision.HiddenSize}
	g := &blip2.Gallery{}
	for start := 0; start < set.N; start += batch {
		n := min(batch, set.N-start)
		t, err := uploadImages(b, set.Pixels, start, n, S)
		if err != nil {
			g.Free(b)
			return nil, err
		}
		vh, img := m.Vision.Forward(b, t)
		b.Free(append(vh, t)...)
		cls := b.Rows(img, 0, 1)
		qh := m.QueryOutput(b, img)
		emb := m.ImageEmbeds(b, qh[len(qh)-1])
		b.Free(qh...)
		cv, err := b.Read(cls)
		b.Free(cls)
		if err != nil {
			return nil, err
		}
		ev, err := b.Read(emb)
		if err != nil {
			return nil, err
		}
		out.cls, out.img = append(out.cls, cv...), append(out.img, ev...)
		g.Append(b, &blip2.Gallery{Features: img, Embeds: emb})
		fmt.Fprintf(progress, "\rencoding images %d/%d ", start+n, set.N)
	}
	fmt.Fprintln(progress)
	b.Free(g.Embeds)
	out.feats = g.Features
	for start := 0; start < set.N; start += batch {
		end := min(start+batch, set.N)
		emb, th := m.TextHidden(b, set.IDs[start:end], set.Mask[start:end])
		te := m.TextEmbeds(b, th[len(th)-1])
		b.Free(append(th, emb)...)
		v, err := b.Read(te)
		b.Free(te)
		if err != nil {
			out.free(b)
			return nil, err
		}
		out.txt = append(out.txt, v...)
	}
	return out, b.Err()
}

// itcScores is the n×n matrix of max over queries of ⟨image, text⟩.
func (e *encoded) itcScores(n int) []float32 {
	s := make([]float32, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			best := float32(math.Inf(-1))
			for q := 0; q < e.q; q++ {
				best = max(best, dot(e.img[(i*e.q+q)*e.e:(i*e.q+q+1)*e.e], e.txt[j*e.e:(j+1)*e.e]))
			}
			s[i*n+j] = best
		}
	}
	return s
}

// dualScores is the n×n cosine matrix of the stage-0 dual encoder: the
// CLS token through the visual projection against the text embeddings.
func (e *encoded) dualScores(n int, head *train.DualHead) []float32 {
	w, bias := head.VisualProj.Weight.Data, head.VisualProj.Bias.Data
	E := len(bias)
	img := make([]float32, n*E)
	for i := 0; i < n; i++ {
		row := img[i*E : (i+1)*E]
		for k := range row {
			row[k] = bias[k] + dot(w[k*e.h:(k+1)*e.h], e.cls[i*e.h:(i+1)*e.h])
		}
		normalize(row)
	}
	s := make([]float32, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s[i*n+j] = dot(img[i*E:(i+1)*E], e.txt[j*e.e:(j+1)*e.e])
		}
	}
	return s
}

func dot(a, b []float32) float32 {
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func normalize(v []float32) {
	n := math.Sqrt(float64(dot(v, v)))
	for i := range v {
		v[i] = float32(float64(v[i]) / max(n, 1e-12))
	}
}

// rerankScores scores pairs (image rows[i], text texts[i]) as search does:
// blip2.Model.RerankScore of ITM's logits (averaged over the queries) and
// the pair's ITC similarity itc(i).
func rerankScores(b nn.Backend, m *blip2.Model, feats nn.Tensor, rows []int, ids, mask [][]int, itc func(i int) float32) ([]float32, error) {
	f := b.Select(feats, rows)
	last := m.ITMHidden(b, f, ids, mask)
	perQuery := m.ITMLogits(b, last)
	logits := b.MeanOver(perQuery)
	b.Free(f, last, perQuery)
	l, err := b.Read(logits)
	b.Free(logits)
	if err != nil {
		return nil, err
	}
	s := make([]float32, len(rows))
	for i := range s {
		s[i] = m.RerankScore(itc(i), l[2*i], l[2*i+1])
	}
	return s, nil
}
