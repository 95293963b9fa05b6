package blip2

import (
	"fmt"
	"math"

	"blip2/model/config"
	"blip2/model/nn"
	"blip2/model/weights"
)

// VisionAttention is the EVA ViT's self-attention: one fused qkv projection
// whose key third has no bias. Checkpoints store the bias either merged
// (qkv.bias = [q_bias, 0, v_bias]) or as separate q_bias and v_bias; both
// bind, and Split turns either into three plain projections.
type VisionAttention struct {
	QKV        weights.Param  `w:"qkv.weight"`
	QKVBias    *weights.Param `w:"qkv.bias,optional"`
	QBias      *weights.Param `w:"q_bias,optional"`
	VBias      *weights.Param `w:"v_bias,optional"`
	Projection nn.Linear      `w:"projection"`

	q, k, v nn.Linear // split from QKV after binding
}

// split derives the three projections from whichever bias layout was bound.
func (a *VisionAttention) split(hidden int) error {
	w := a.QKV.Data
	packedOnly := w == nil && a.QKV.Q != nil // a resident load reads the codes only
	if len(w) != 3*hidden*hidden && !packedOnly {
		return fmt.Errorf("%s: want %d values, have %d", a.QKV.Name, 3*hidden*hidden, len(w))
	}
	bias := make([]float32, 3*hidden)
	switch {
	case a.QKVBias != nil && a.QBias == nil && a.VBias == nil:
		copy(bias, a.QKVBias.Data)
	case a.QKVBias == nil && a.QBias != nil && a.VBias != nil:
		copy(bias[:hidden], a.QBias.Data)
		copy(bias[2*hidden:], a.VBias.Data)
	case a.QKVBias == nil && a.QBias == nil && a.VBias == nil:
		// qkv_bias=false: no bias at all.
	default:
		return fmt.Errorf("%s: a checkpoint must hold either qkv.bias or both q_bias and v_bias", a.QKV.Name)
	}
	var err error
	part := func(i int, name string) nn.Linear {
		l := nn.Linear{
			Weight: weights.Param{Name: a.QKV.Name + "[" + name + "]", Shape: []int{hidden, hidden}},
			Bias:   weights.Param{Name: a.QKV.Name + "[" + name + " bias]", Shape: []int{hidden}, Data: bias[i*hidden : (i+1)*hidden]},
		}
		if !packedOnly {
			l.Weight.Data = w[i*hidden*hidden : (i+1)*hidden*hidden]
		}
		if a.QKV.Q != nil && err == nil { // a quantized checkpoint: split the packed rows too
			l.Weight.Q, err = a.QKV.Q.Rows(i*hidden, (i+1)*hidden, hidden)
		}
		return l
	}
	a.q, a.k, a.v = part(0, "q"), part(1, "k"), part(2, "v")
	return err
}

// VisionLayer is a pre-LN transformer block.
type VisionLayer struct {
	LayerNorm1 nn.LayerNorm    `w:"layer_norm1"`
	SelfAttn   VisionAttention `w:"self_attn"`
	LayerNorm2 nn.LayerNorm    `w:"layer_norm2"`
	MLP        struct {
		FC1 nn.Linear `w:"fc1"`
		FC2 nn.Linear `w:"fc2"`
	} `w:"mlp"`

	// resident, when set, is the device the layer is uploaded to as soon
	// as it is bound (LoadResident).
	resident nn.Backend
}

// VisionModel is HF's Blip2VisionModel: patch embedding with bias, a CLS
// token, learned positions, pre-LN blocks, and post_layernorm (BLIP-2's
// ln_vision) at the end.
type VisionModel struct {
	Embeddings struct {
		Class    weights.Param `w:"class_embedding"`
		Patch    nn.Linear     `w:"patch_embedding"` // conv weight (C, 3, p, p) used as a matmul
		Position weights.Param `w:"position_embedding"`
	} `w:"embeddings"`
	Layers []VisionLayer `w:"encoder.layers"`
	Post   nn.LayerNorm  `w:"post_layernorm"`

	cfg config.VisionConfig
}

func newVisionModel(c config.VisionConfig) *VisionModel {
	m := &VisionModel{cfg: c, Layers: make([]VisionLayer, c.NumHiddenLayers)}
	h, p := c.HiddenSize, c.PatchSize
	m.Embeddings.Class.Shape = []int{1, 1, h}
	m.Embeddings.Patch = nn.Linear{Weight: weights.Param{Shape: []int{h, 3, p, p}}, Bias: weights.Param{Shape: []int{h}}}
	m.Embeddings.Position.Shape = []int{1, c.NumPositions(), h}
	for i := range m.Layers {
		l := &m.Layers[i]
		l.LayerNorm1 = nn.NewLayerNorm(h, c.LayerNormEps)
		l.LayerNorm2 = nn.NewLayerNorm(h, c.LayerNormEps)
		l.SelfAttn.QKV.Shape = []int{3 * h, h}
		l.SelfAttn.Projection = nn.NewLinear(h, h)
		l.MLP.FC1 = nn.NewLinear(h, c.IntermediateSize)
		l.MLP.FC2 = nn.NewLinear(c.IntermediateSize, h)
	}
	m.Post = nn.NewLayerNorm(h, c.LayerNormEps)
	return m
}

// AfterBind checks what tags cannot (the bias layout and its sizes) and
// splits the fused qkv, as soon as the layer is bound. A layer loaded
// resident (LoadResident) then goes to the device and drops its host copy
// before the next layer is read.
func (l *VisionLayer) AfterBind() error {
	a := &l.SelfAttn
	h := a.QKV.Shape[1]
	for _, p := range []*weights.Param{a.QKVBias, a.QBias, a.VBias} {
		want := h
		if p == a.QKVBias {
			want = 3 * h
		}
		if p != nil && len(p.Data) != want {
			return fmt.Errorf("%s: shape %v, want (%d)", p.Name, p.Shape, want)
		}
	}
	if err := a.split(h); err != nil {
		return err
	}
	if l.resident == nil {
		return nil
	}
	if err := upload(l.resident, l.params()); err != nil {
		return err
	}
	for _, p := range []*weights.Param{&a.QKV, a.QKVBias, a.QBias, a.VBias} {
		if p != nil { // the fused forms the split views came from
			p.Data, p.Q = nil, nil
		}
	}
	return nil
}

// params are the weights the layer's forward reads: the split
// projections, not the fused qkv they came from.
func (l *VisionLayer) params() []*weights.Param {
	a := &l.SelfAttn
	return []*weights.Param{&l.LayerNorm1.Weight, &l.LayerNorm1.Bias,
		&a.q.Weight, &a.q.Bias, &a.k.Weight, &a.k.Bias, &a.v.Weight, &a.v.Bias,
		&a.Projection.Weight, &a.Projection.Bias, &l.LayerNorm2.Weight, &l.LayerNorm2.Bias,
		&l.MLP.FC1.Weight, &l.MLP.FC1.Bias, &l.MLP.FC2.Weight, &l.MLP.FC2.Bias}
}

// Embed is the input of encoder layer 0: [CLS; patches·Wᵀ + b] + positions.
func (m *VisionModel) Embed(b nn.Backend, pixels nn.Tensor) nn.Tensor {
	h, p := m.cfg.HiddenSize, m.cfg.PatchSize
	batch := pixels.Shape()[0]
	patches := b.Patches(pixels, p) // (B, P, 3·p·p)
	w := b.Reshape(b.Param(&m.Embeddings.Patch.Weight), h, 3*p*p)
	x := b.Linear(patches, w, b.Param(&m.Embeddings.Patch.Bias)) // (B, P, h)
	b.Free(patches)
	cls := repeat(b, &m.Embeddings.Class, batch, 1, h) // (B, 1, h)
	x2 := b.Concat(cls, x)                             // (B, 1+P, h)
	b.Free(x, cls)
	pos := b.Reshape(b.Param(&m.Embeddings.Position), m.cfg.NumPositions(), h)
	out := b.Add(x2, pos)
	b.Free(x2)
	return out
}

// Features is the last hidden state before post_layernorm (BLIP-2's
// ln_vision, which stage 1 trains): what training over a frozen encoder
// computes once per image. Every other tensor of the pass is freed.
func (m *VisionModel) Features(b nn.Backend, pixels nn.Tensor) nn.Tensor {
	hidden, last := m.Forward(b, pixels)
	n := len(hidden) - 1
	b.Free(append(hidden[:n:n], last)...)
	return hidden[n]
}

// ReadFeatures is Features of host pixels (N, 3, S, S), read back.
func (m *VisionModel) ReadFeatures(b nn.Backend, pixels []float32, shape ...int) ([]float32, error) {
	in := b.Upload(pixels, shape...)
	f := m.Features(b, in)
	out, err := b.Read(f)
	b.Free(f, in)
	return out, err
}

// Forward returns every hidden state (embeddings and each layer's output,
// before post_layernorm) and the last hidden state after it.
func (m *VisionModel) Forward(b nn.Backend, pixels nn.Tensor) (hidden []nn.Tensor, last nn.Tensor) {
	x := m.Embed(b, pixels)
	hidden = append(hidden, x)
	for i := range m.Layers {
		x = m.Layer(b, i, x)
		hidden = append(hidden, x)
	}
	return hidden, m.Post.Forward(b, x)
}

// Layer is encoder layer i over x (B, T, h): a pre-LN self-attention and
// feed-forward, each added back to its input. x stays the caller's.
func (m *VisionModel) Layer(b nn.Backend, i int, x nn.Tensor) nn.Tensor {
	heads := m.cfg.NumAttentionHeads
	scale := float32(1 / math.Sqrt(float64(m.cfg.HiddenSize/heads)))
	l := &m.Layers[i]
	n := l.LayerNorm1.Forward(b, x)
	q, k, v := l.SelfAttn.q.Forward(b, n), l.SelfAttn.k.Forward(b, n), l.SelfAttn.v.Forward(b, n)
	ctx := b.Attention(q, k, v, nn.Attn{Heads: heads, Scale: scale})
	proj := l.SelfAttn.Projection.Forward(b, ctx)
	x1 := b.Add(x, proj)
	b.Free(n, q, k, v, ctx, proj)
	n2 := l.LayerNorm2.Forward(b, x1)
	f1 := l.MLP.FC1.Forward(b, n2)
	a := b.Act(f1, m.cfg.HiddenAct)
	f2 := l.MLP.FC2.Forward(b, a)
	out := b.Add(x1, f2)
	b.Free(x1, n2, f1, a, f2)
	return out
}

// Projections are the q, k and v projections split from the fused qkv.
// Their weights are views of qkv.weight, so training them trains it; their
// biases are copies, which StoreBias writes back.
func (a *VisionAttention) Projections() (q, k, v *nn.Linear) { return &a.q, &a.k, &a.v }

// StoreBias writes the split q and v biases back into whichever bias
// layout was bound (the k bias is zero by construction and never trained).
func (a *VisionAttention) StoreBias() {
	h := len(a.q.Bias.Data)
	switch {
	case a.QKVBias != nil:
		copy(a.QKVBias.Data[:h], a.q.Bias.Data)
		copy(a.QKVBias.Data[2*h:], a.v.Bias.Data)
	case a.QBias != nil && a.VBias != nil:
		copy(a.QBias.Data, a.q.Bias.Data)
		copy(a.VBias.Data, a.v.Bias.Data)
	}
}
