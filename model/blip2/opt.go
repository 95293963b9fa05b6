package blip2

import (
	"fmt"
	"math"

	"blip2/model/config"
	"blip2/model/nn"
	"blip2/model/weights"
)

// OPTLayer is a pre-LN OPT decoder block.
type OPTLayer struct {
	Q         nn.Linear    `w:"self_attn.q_proj"`
	K         nn.Linear    `w:"self_attn.k_proj"`
	V         nn.Linear    `w:"self_attn.v_proj"`
	Out       nn.Linear    `w:"self_attn.out_proj"`
	AttnNorm  nn.LayerNorm `w:"self_attn_layer_norm"`
	FC1       nn.Linear    `w:"fc1"`
	FC2       nn.Linear    `w:"fc2"`
	FinalNorm nn.LayerNorm `w:"final_layer_norm"`
	resident  nn.Backend   // LoadResident's device, or nil
}

// AfterBind uploads a resident layer (LoadResident) and drops its host
// copy.
func (l *OPTLayer) AfterBind() error { return upload(l.resident, weights.Params(l)) }

// OPT is OPTForCausalLM's decoder with its tied LM head.
type OPT struct {
	Positions  weights.Param    `w:"model.decoder.embed_positions.weight"`
	ProjectIn  *nn.LinearNoBias `w:"model.decoder.project_in,optional"`
	ProjectOut *nn.LinearNoBias `w:"model.decoder.project_out,optional"`
	Layers     []OPTLayer       `w:"model.decoder.layers"`
	FinalNorm  *nn.LayerNorm    `w:"model.decoder.final_layer_norm,optional"`
	// The token table binds last (fields bind in order): when the layers
	// go to the device as they are bound, its widened floats then never
	// sit beside a layer's.
	Embed weights.Param `w:"model.decoder.embed_tokens.weight"`
	// The LM head is tied to the token embedding; save_pretrained drops
	// the copy, so fall back to embed_tokens. It binds right after the
	// embedding, so a store that drops what has been read can let the
	// embedding's shards go at once.
	LMHead weights.Param `w:"lm_head.weight,alt:model.decoder.embed_tokens.weight"`

	cfg config.OPTConfig
}

// optPositionOffset: OPT's learned positions start at row 2 (rows 0 and 1
// are a leftover of fairseq's padding handling).
const optPositionOffset = 2

func newOPT(c config.OPTConfig) *OPT {
	m := &OPT{cfg: c, Layers: make([]OPTLayer, c.NumHiddenLayers)}
	h, e := c.HiddenSize, c.WordEmbedProjDim
	// The vocabulary is not fixed here: hub revisions have 50272 or 50304
	// rows; the checkpoint decides, and Validate checks it against the
	// config.
	m.Embed.Shape = nil
	m.LMHead.Shape = nil
	m.Positions.Shape = []int{c.MaxPositionEmbeddings + optPositionOffset, h}
	if e != h {
		in, out := nn.NewLinearNoBias(e, h), nn.NewLinearNoBias(h, e)
		m.ProjectIn, m.ProjectOut = &in, &out
	}
	for i := range m.Layers {
		l := &m.Layers[i]
		l.Q, l.K, l.V, l.Out = nn.NewLinear(h, h), nn.NewLinear(h, h), nn.NewLinear(h, h), nn.NewLinear(h, h)
		l.AttnNorm, l.FinalNorm = nn.NewLayerNorm(h, c.LayerNormEps), nn.NewLayerNorm(h, c.LayerNormEps)
		l.FC1, l.FC2 = nn.NewLinear(h, c.FFNDim), nn.NewLinear(c.FFNDim, h)
	}
	if c.DoLayerNormBefore && !c.RemoveFinalLayerNorm {
		n := nn.NewLayerNorm(h, c.LayerNormEps)
		m.FinalNorm = &n
	}
	return m
}

func (m *OPT) afterBind() error {
	e := m.cfg.WordEmbedProjDim
	if len(m.Embed.Shape) != 2 || m.Embed.Shape[1] != e || m.Embed.Shape[0] < m.cfg.VocabSize {
		return fmt.Errorf("%s: shape %v, want (≥%d, %d)", m.Embed.Name, m.Embed.Shape, m.cfg.VocabSize, e)
	}
	if fmt.Sprint(m.LMHead.Shape) != fmt.Sprint(m.Embed.Shape) {
		return fmt.Errorf("%s: shape %v differs from the embedding %v", m.LMHead.Name, m.LMHead.Shape, m.Embed.Shape)
	}
	if (m.cfg.WordEmbedProjDim != m.cfg.HiddenSize) != (m.ProjectIn != nil && m.ProjectOut != nil) {
		return fmt.Errorf("OPT: project_in/project_out must be present exactly when word_embed_proj_dim (%d) != hidden_size (%d)", e, m.cfg.HiddenSize)
	}
	if !m.cfg.DoLayerNormBefore {
		return fmt.Errorf("OPT: do_layer_norm_before=false (OPT-350m's post-LN layout) is not supported")
	}
	shareTied(&m.LMHead, &m.Embed)
	return nil
}

// shareTied makes a tied head (bound from its embedding's tensor) share
// the embedding's host values, so a large vocabulary is held once; the
// forward uses the embedding's Param for it (head), so it is uploaded once.
func shareTied(head, embed *weights.Param) {
	if head.Name == embed.Name {
		head.Data, head.Q = embed.Data, embed.Q
	}
}

// head is the LM head's weight: the embedding itself when they are tied.
func (m *OPT) head() *weights.Param {
	if m.LMHead.Name == m.Embed.Name {
		return &m.Embed
	}
	return &m.LMHead
}

// EmbedTokens looks up token ids (B, T) → (B, T, word_embed_proj_dim).
func (m *OPT) EmbedTokens(b nn.Backend, ids [][]int) nn.Tensor {
	flat := flatten(ids)
	t := b.Embed(b.Param(&m.Embed), flat)
	return b.Reshape(t, len(ids), len(ids[0]), m.cfg.WordEmbedProjDim)
}

// KVCache holds each layer's keys and values for the positions seen so far.
type KVCache struct {
	K, V []nn.Tensor
	Mask [][]int // attention mask over every position so far (B, past)
}

func (c *KVCache) Len() int {
	if c == nil || len(c.Mask) == 0 {
		return 0
	}
	return len(c.Mask[0])
}

// Forward runs the decoder over embeddings x (B, T, e) whose attention mask
// (B, T) extends the cache's. It returns every hidden state (the embedding
// + positions, each layer's output, and the final LayerNorm's output as the
// last) and the logits (B, T, V). The cache, if given, is extended.
func (m *OPT) Forward(b nn.Backend, x nn.Tensor, mask [][]int, cache *KVCache) (hidden []nn.Tensor, logits nn.Tensor) {
	batch, t, _ := nn.Dims(x)
	past := cache.Len()
	full := mask
	if cache != nil {
		full = joinMasks(cache.Mask, mask)
	}
	if m.ProjectIn != nil {
		x = m.ProjectIn.Forward(b, x)
	}
	// Positions count real tokens: cumsum(mask)·mask − 1, offset by 2, so
	// padding takes row 1 and the visual prompt occupies the first rows.
	pos := make([]int, 0, batch*t)
	for _, row := range full {
		n := 0
		for j, v := range row {
			n += v
			if j >= past {
				pos = append(pos, (n*v-1)+optPositionOffset)
			}
		}
	}
	pe := b.Reshape(b.Embed(b.Param(&m.Positions), pos), batch, t, m.cfg.HiddenSize)
	h := b.Add(x, pe)
	b.Free(pe)
	hidden = append(hidden, h)
	heads := m.cfg.NumAttentionHeads
	spec := nn.Attn{Heads: heads, Scale: float32(1 / math.Sqrt(float64(m.cfg.HiddenSize/heads))),
		Mode: nn.MaskCausal, Past: past, Bias: keyMask(b, full)}
	for i := range m.Layers {
		l := &m.Layers[i]
		n := l.AttnNorm.Forward(b, h)
		q, k, v := l.Q.Forward(b, n), l.K.Forward(b, n), l.V.Forward(b, n)
		if cache != nil {
			if past > 0 {
				k2, v2 := b.Concat(cache.K[i], k), b.Concat(cache.V[i], v)
				b.Free(cache.K[i], cache.V[i], k, v)
				k, v = k2, v2
			}
			if len(cache.K) <= i {
				cache.K, cache.V = append(cache.K, nil), append(cache.V, nil)
			}
			cache.K[i], cache.V[i] = k, v
		}
		ctx := b.Attention(q, k, v, spec)
		o := l.Out.Forward(b, ctx)
		h1 := b.Add(h, o)
		b.Free(n, q, ctx, o)
		if cache == nil {
			b.Free(k, v)
		}
		n2 := l.FinalNorm.Forward(b, h1)
		f1 := l.FC1.Forward(b, n2)
		a := b.Act(f1, m.cfg.ActivationFunction)
		f2 := l.FC2.Forward(b, a)
		h = b.Add(h1, f2)
		b.Free(h1, n2, f1, a, f2)
		hidden = append(hidden, h)
	}
	b.Free(spec.Bias)
	last := h
	if m.FinalNorm != nil {
		last = m.FinalNorm.Forward(b, h)
		hidden[len(hidden)-1] = last // HF reports the normed output as the last hidden state
		b.Free(h)
	}
	out := last
	if m.ProjectOut != nil {
		out = m.ProjectOut.Forward(b, last)
	}
	logits = b.Linear(out, b.Param(m.head()), nil)
	if cache != nil {
		cache.Mask = full
	}
	return hidden, logits
}

func flatten(ids [][]int) []int {
	out := make([]int, 0, len(ids)*len(ids[0]))
	for _, row := range ids {
		out = append(out, row...)
	}
	return out
}
