package blip2

import (
	"math"
	"testing"

	"blip2/model/cpu"
	"blip2/model/nn"
)

// TestCrossAttentionMapsAreTheWeights: on reference set a, each map's rows
// sum to 1, and the weights times the values are the attention output the
// Q-Former computes at that layer: the maps are what the queries used.
func TestCrossAttentionMapsAreTheWeights(t *testing.T) {
	m, in, _ := loadGolden(t, "blip2-tiny-a")
	b := cpu.New()
	vh, img := m.Vision.Forward(b, b.Upload(in.Pixels, in.PixelShape...))
	b.Free(vh...)
	maps, hidden, err := m.CrossAttentionMaps(b, img)
	if err != nil {
		t.Fatal(err)
	}
	b.Free(hidden...)
	c := m.Config.QFormer
	if len(maps) == 0 {
		t.Fatal("no cross-attention layer")
	}
	heads, d := c.NumAttentionHeads, c.HiddenSize/c.NumAttentionHeads
	nq := m.Config.NumQueryTokens
	q := repeat(b, &m.QueryTokens, in.PixelShape[0], nq, c.HiddenSize)
	seen := 0
	m.QFormer.Forward(b, QFormerInput{Embeds: q, NQ: nq, Image: img, OnCross: func(layer int, ca *QFormerAttention, hq nn.Tensor) {
		a := maps[seen]
		seen++
		qt, kt, vt := ca.Query.Forward(b, hq), ca.Key.Forward(b, img), ca.Value.Forward(b, img)
		ctx, _ := b.Read(b.Attention(qt, kt, vt, nn.Attn{Heads: heads, Scale: float32(1 / math.Sqrt(float64(d)))}))
		v, _ := b.Read(vt)
		worst := 0.0
		for h := 0; h < heads; h++ {
			for i := 0; i < nq; i++ {
				row := a.Weights[(h*nq+i)*a.Nv : (h*nq+i+1)*a.Nv]
				var sum float64
				for _, w := range row {
					sum += float64(w)
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Errorf("layer %d head %d query %d: weights sum to %v", layer, h, i, sum)
				}
				for e := 0; e < d; e++ {
					var got float64
					for j, w := range row {
						got += float64(w) * float64(v[j*heads*d+h*d+e])
					}
					worst = math.Max(worst, math.Abs(got-float64(ctx[i*heads*d+h*d+e])))
				}
			}
		}
		if a.Layer != layer || worst > 1e-4 {
			t.Errorf("layer %d (map of layer %d): weights·values differ from the attention output by %.2e", layer, a.Layer, worst)
		}
	}})
	if seen != len(maps) {
		t.Errorf("%d maps for %d cross-attention layers", len(maps), seen)
	}
	if mean := maps[0].Mean(-1); len(mean) != maps[0].Nv {
		t.Errorf("mean over queries: %d values", len(mean))
	}
}
