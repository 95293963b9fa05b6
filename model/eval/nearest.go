package eval

import (
	"fmt"
	"io"
	"math"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// textBatch is how many texts NearestTexts embeds at a time (a test
// makes it small).
var textBatch = 256

// NearestTexts returns, for each of n images, the index of the text that
// ITC scores highest against it (the max over queries of the cosine
// between the image's and the text's embeddings, as retrieval ranks), and
// that score. Captioning each image with the nearest caption of the train
// split measures what the query outputs know, whatever decodes them:
// a generated caption that names less than its nearest train caption
// loses in the decoding, one that names as little loses in the queries.
func NearestTexts(b nn.Backend, m *blip2.Model, n int, pixels func(i int) ([]float32, error), ids, mask [][]int, progress io.Writer) ([]int, []float32, error) {
	if !m.Retrieval() {
		return nil, nil, fmt.Errorf("eval: the checkpoint has no Q-Former text side (ITC heads)")
	}
	if len(ids) == 0 || len(ids) != len(mask) {
		return nil, nil, fmt.Errorf("eval: %d texts with %d masks", len(ids), len(mask))
	}
	if progress == nil {
		progress = io.Discard
	}
	S := m.Config.Vision.ImageSize
	// The image embeddings come back batch by batch and go up once as one
	// tensor, so that each text batch is one similarity and one readback.
	var host []float32
	for start := 0; start < n; start += batch {
		k := min(batch, n-start)
		t, err := uploadImages(b, pixels, start, k, S)
		if err != nil {
			return nil, nil, err
		}
		g, err := m.EmbedImages(b, t)
		b.Free(t)
		if err != nil {
			return nil, nil, err
		}
		v, err := b.Read(g.Embeds)
		g.Free(b)
		if err != nil {
			return nil, nil, err
		}
		host = append(host, v...)
	}
	Q := m.Config.NumQueryTokens
	imgs := b.Upload(host, n, Q, len(host)/(n*Q))
	defer b.Free(imgs)
	best, score := make([]int, n), make([]float32, n)
	for i := range score {
		score[i] = float32(math.Inf(-1))
	}
	for start := 0; start < len(ids); start += textBatch {
		end := min(start+textBatch, len(ids))
		emb, th := m.TextHidden(b, ids[start:end], mask[start:end])
		te := m.TextEmbeds(b, th[len(th)-1])
		b.Free(append(th, emb)...)
		sim := m.Similarity(b, imgs, te) // (n, end−start)
		b.Free(te)
		v, err := b.Read(sim)
		b.Free(sim)
		if err != nil {
			return nil, nil, err
		}
		w := end - start
		for i := 0; i < n; i++ {
			for j, s := range v[i*w : (i+1)*w] {
				if s > score[i] {
					best[i], score[i] = start+j, s
				}
			}
		}
		fmt.Fprintf(progress, "\rnearest texts: %d/%d ", end, len(ids))
	}
	fmt.Fprintln(progress)
	return best, score, b.Err()
}
