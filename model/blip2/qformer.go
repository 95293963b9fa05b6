package blip2

import (
	"math"

	"blip2/model/config"
	"blip2/model/nn"
	"blip2/model/weights"
)

// QFormerAttention is BERT attention with a post-LN output block:
// LN(x + dense(MHA(x, kv))).
type QFormerAttention struct {
	Query nn.Linear    `w:"attention.query"`
	Key   nn.Linear    `w:"attention.key"`
	Value nn.Linear    `w:"attention.value"`
	Dense nn.Linear    `w:"output.dense"`
	Norm  nn.LayerNorm `w:"output.LayerNorm"`
}

func newQFormerAttention(h, kvIn int, eps float64) QFormerAttention {
	return QFormerAttention{
		Query: nn.NewLinear(h, h), Key: nn.NewLinear(kvIn, h), Value: nn.NewLinear(kvIn, h),
		Dense: nn.NewLinear(h, h), Norm: nn.NewLayerNorm(h, eps),
	}
}

// Forward attends x to kv (x itself for self-attention) and applies the
// output block. k and v may be given precomputed (a KV cache); then kv is
// unused.
func (a *QFormerAttention) Forward(b nn.Backend, x, kv nn.Tensor, spec nn.Attn) nn.Tensor {
	q, k, v := a.Query.Forward(b, x), a.Key.Forward(b, kv), a.Value.Forward(b, kv)
	ctx := b.Attention(q, k, v, spec)
	d := a.Dense.Forward(b, ctx)
	s := b.Add(d, x)
	out := a.Norm.Forward(b, s)
	b.Free(q, k, v, ctx, d, s)
	return out
}

// QFormerLayer: shared self-attention over [queries; text], cross-attention
// for query positions in every cross_attention_frequency-th layer, and
// separate feed-forwards for queries and text.
type QFormerLayer struct {
	Attention      QFormerAttention  `w:"attention"`
	CrossAttention *QFormerAttention `w:"crossattention,optional"`
	QueryUp        nn.Linear         `w:"intermediate_query.dense"`
	QueryDown      nn.Linear         `w:"output_query.dense"`
	QueryNorm      nn.LayerNorm      `w:"output_query.LayerNorm"`
	// The text feed-forward exists only in checkpoints with text input
	// (ITM/retrieval); generation checkpoints drop it.
	TextUp   *nn.Linear    `w:"intermediate.dense,optional"`
	TextDown *nn.Linear    `w:"output.dense,optional"`
	TextNorm *nn.LayerNorm `w:"output.LayerNorm,optional"`
	resident nn.Backend    // LoadResident's device, or nil
}

// AfterBind uploads a resident layer (LoadResident) and drops its host
// copy.
func (l *QFormerLayer) AfterBind() error { return upload(l.resident, weights.Params(l)) }

func (l *QFormerLayer) ffn(b nn.Backend, up, down *nn.Linear, norm *nn.LayerNorm, x nn.Tensor, act string) nn.Tensor {
	u := up.Forward(b, x)
	a := b.Act(u, act)
	d := down.Forward(b, a)
	s := b.Add(d, x)
	out := norm.Forward(b, s)
	b.Free(u, a, d, s)
	return out
}

// QFormer is HF's Blip2QFormerModel plus the learned query tokens.
type QFormer struct {
	Norm   nn.LayerNorm   `w:"layernorm"`
	Layers []QFormerLayer `w:"encoder.layer"`

	cfg config.QFormerConfig
}

func newQFormer(c config.QFormerConfig) *QFormer {
	q := &QFormer{cfg: c, Norm: nn.NewLayerNorm(c.HiddenSize, c.LayerNormEps), Layers: make([]QFormerLayer, c.NumHiddenLayers)}
	h, eps := c.HiddenSize, c.LayerNormEps
	for i := range q.Layers {
		l := &q.Layers[i]
		l.Attention = newQFormerAttention(h, h, eps)
		if c.HasCrossAttention(i) {
			ca := newQFormerAttention(h, c.EncoderHiddenSize, eps)
			l.CrossAttention = &ca
		}
		l.QueryUp, l.QueryDown = nn.NewLinear(h, c.IntermediateSize), nn.NewLinear(c.IntermediateSize, h)
		l.QueryNorm = nn.NewLayerNorm(h, eps)
		up, down, norm := nn.NewLinear(h, c.IntermediateSize), nn.NewLinear(c.IntermediateSize, h), nn.NewLayerNorm(h, eps)
		l.TextUp, l.TextDown, l.TextNorm = &up, &down, &norm
	}
	return q
}

// QFormerInput is one Q-Former call.
type QFormerInput struct {
	Embeds  nn.Tensor // (B, nq+T, h) before the embedding LayerNorm
	NQ      int       // leading query positions (0 for text-only)
	Image   nn.Tensor // (B, Nv, Dv) for cross-attention, or nil
	Mode    nn.MaskMode
	KeyMask nn.Tensor // additive (B, nq+T), or nil
	// OnCross, if set, sees each cross-attention's input: the layer, its
	// cross-attention, and the query rows (B, nq, h) it attends from.
	OnCross func(layer int, ca *QFormerAttention, hq nn.Tensor)
}

// Forward returns the hidden states: the embedding LayerNorm output and
// each layer's output.
func (q *QFormer) Forward(b nn.Backend, in QFormerInput) []nn.Tensor {
	x := q.Norm.Forward(b, in.Embeds)
	hidden := []nn.Tensor{x}
	for i := range q.Layers {
		x = q.Layer(b, i, x, in)
		hidden = append(hidden, x)
	}
	return hidden
}

// Layer is layer i over x (B, nq+T, h), the previous layer's output (or
// the embedding LayerNorm's): self-attention over every position under
// in's mask, cross-attention from the query rows to in.Image where the
// layer has it, then the query and text feed-forwards. x stays the
// caller's.
func (q *QFormer) Layer(b nn.Backend, i int, x nn.Tensor, in QFormerInput) nn.Tensor {
	heads := q.cfg.NumAttentionHeads
	scale := float32(1 / math.Sqrt(float64(q.cfg.HiddenSize/heads)))
	self := nn.Attn{Heads: heads, Scale: scale, Mode: in.Mode, NQ: in.NQ, Bias: in.KeyMask}
	l := &q.Layers[i]
	a := l.Attention.Forward(b, x, x, self) // (B, nq+T, h)
	_, t, _ := nn.Dims(a)
	var out nn.Tensor
	if in.NQ > 0 {
		hq := b.Rows(a, 0, in.NQ)
		if l.CrossAttention != nil && in.Image != nil {
			if in.OnCross != nil {
				in.OnCross(i, l.CrossAttention, hq)
			}
			c := l.CrossAttention.Forward(b, hq, in.Image, nn.Attn{Heads: heads, Scale: scale})
			b.Free(hq)
			hq = c
		}
		oq := l.ffn(b, &l.QueryUp, &l.QueryDown, &l.QueryNorm, hq, q.cfg.HiddenAct)
		b.Free(hq)
		out = oq
		if t > in.NQ {
			ht := b.Rows(a, in.NQ, t-in.NQ)
			ot := l.ffn(b, l.TextUp, l.TextDown, l.TextNorm, ht, q.cfg.HiddenAct)
			out = b.Concat(oq, ot)
			b.Free(ht, ot, oq)
		}
	} else {
		out = l.ffn(b, l.TextUp, l.TextDown, l.TextNorm, a, q.cfg.HiddenAct)
	}
	b.Free(a)
	return out
}

// TextEmbeddings is the retrieval model's Q-Former text embedding: word +
// absolute positions (from 0 for the first text token), no LayerNorm (the
// Q-Former's own LayerNorm follows).
type TextEmbeddings struct {
	Word     weights.Param `w:"word_embeddings.weight"`
	Position weights.Param `w:"position_embeddings.weight"`
}

// Forward embeds ids (B, T) → (B, T, h).
func (e *TextEmbeddings) Forward(b nn.Backend, ids [][]int) nn.Tensor {
	batch, t := len(ids), len(ids[0])
	flat, pos := make([]int, 0, batch*t), make([]int, 0, batch*t)
	for _, row := range ids {
		for j, id := range row {
			flat = append(flat, id)
			pos = append(pos, j)
		}
	}
	w := b.Embed(b.Param(&e.Word), flat)
	p := b.Embed(b.Param(&e.Position), pos)
	s := b.Add(w, p)
	b.Free(w, p)
	return b.Reshape(s, batch, t, s.Shape()[1])
}
