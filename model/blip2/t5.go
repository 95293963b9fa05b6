package blip2

import (
	"fmt"
	"math"
	"strings"

	"blip2/model/config"
	"blip2/model/nn"
	"blip2/model/weights"
)

// T5Attention has no biases and no 1/√d scaling; block 0 of each stack owns
// the relative position bias table (buckets, heads), shared by the others.
type T5Attention struct {
	Q       nn.LinearNoBias `w:"q"`
	K       nn.LinearNoBias `w:"k"`
	V       nn.LinearNoBias `w:"v"`
	O       nn.LinearNoBias `w:"o"`
	RelBias *weights.Param  `w:"relative_attention_bias.weight,optional"`
}

func newT5Attention(c config.T5Config) T5Attention {
	inner := c.NumHeads * c.DKV
	return T5Attention{Q: nn.NewLinearNoBias(c.DModel, inner), K: nn.NewLinearNoBias(c.DModel, inner),
		V: nn.NewLinearNoBias(c.DModel, inner), O: nn.NewLinearNoBias(inner, c.DModel)}
}

// T5FF is the feed-forward: gated (wi_0, wi_1) for Flan-T5, plain (wi)
// otherwise.
type T5FF struct {
	WI  *nn.LinearNoBias `w:"wi,optional"`
	WI0 *nn.LinearNoBias `w:"wi_0,optional"`
	WI1 *nn.LinearNoBias `w:"wi_1,optional"`
	WO  nn.LinearNoBias  `w:"wo"`
}

func newT5FF(c config.T5Config) T5FF {
	ff := T5FF{WO: nn.NewLinearNoBias(c.DFF, c.DModel)}
	if c.IsGatedAct {
		a, b := nn.NewLinearNoBias(c.DModel, c.DFF), nn.NewLinearNoBias(c.DModel, c.DFF)
		ff.WI0, ff.WI1 = &a, &b
	} else {
		a := nn.NewLinearNoBias(c.DModel, c.DFF)
		ff.WI = &a
	}
	return ff
}

func (f *T5FF) Forward(b nn.Backend, x nn.Tensor, act string) nn.Tensor {
	var h nn.Tensor
	if f.WI0 != nil {
		g := f.WI0.Forward(b, x)
		a := b.Act(g, act)
		l := f.WI1.Forward(b, x)
		h = b.Mul(a, l)
		b.Free(g, a, l)
	} else {
		u := f.WI.Forward(b, x)
		h = b.Act(u, act)
		b.Free(u)
	}
	out := f.WO.Forward(b, h)
	b.Free(h)
	return out
}

// T5EncoderBlock: self-attention and feed-forward, each pre-RMSNorm with a
// residual.
type T5EncoderBlock struct {
	SelfAttn T5Attention `w:"layer.0.SelfAttention"`
	SelfNorm nn.RMSNorm  `w:"layer.0.layer_norm"`
	FF       T5FF        `w:"layer.1.DenseReluDense"`
	FFNorm   nn.RMSNorm  `w:"layer.1.layer_norm"`
	resident nn.Backend  // LoadResident's device, or nil
}

// AfterBind uploads a resident block (LoadResident) and drops its host
// copy, all but the relative position table, which the host reads.
func (b *T5EncoderBlock) AfterBind() error { return upload(b.resident, deviceParams(b)) }

// deviceParams are a T5 block's tensors but its relative position table.
func deviceParams(block any) []*weights.Param {
	var out []*weights.Param
	for _, p := range weights.Params(block) {
		if !strings.HasSuffix(p.Name, "relative_attention_bias.weight") {
			out = append(out, p)
		}
	}
	return out
}

// T5DecoderBlock adds cross-attention to the encoder output.
type T5DecoderBlock struct {
	SelfAttn  T5Attention `w:"layer.0.SelfAttention"`
	SelfNorm  nn.RMSNorm  `w:"layer.0.layer_norm"`
	CrossAttn T5Attention `w:"layer.1.EncDecAttention"`
	CrossNorm nn.RMSNorm  `w:"layer.1.layer_norm"`
	FF        T5FF        `w:"layer.2.DenseReluDense"`
	FFNorm    nn.RMSNorm  `w:"layer.2.layer_norm"`
	resident  nn.Backend  // LoadResident's device, or nil
}

// AfterBind uploads a resident block (LoadResident) and drops its host
// copy, all but the relative position table.
func (b *T5DecoderBlock) AfterBind() error { return upload(b.resident, deviceParams(b)) }

// T5 is T5ForConditionalGeneration.
type T5 struct {
	Encoder struct {
		Blocks    []T5EncoderBlock `w:"block"`
		FinalNorm nn.RMSNorm       `w:"final_layer_norm"`
	} `w:"encoder"`
	Decoder struct {
		Blocks    []T5DecoderBlock `w:"block"`
		FinalNorm nn.RMSNorm       `w:"final_layer_norm"`
	} `w:"decoder"`
	// The token table and head bind last (see OPT.Embed). The head is
	// untied in Flan-T5; a tied checkpoint stores only shared.weight.
	Shared weights.Param `w:"shared.weight"`
	LMHead weights.Param `w:"lm_head.weight,alt:shared.weight"`

	cfg config.T5Config
}

func newT5(c config.T5Config) *T5 {
	m := &T5{cfg: c, Shared: weights.Param{Shape: []int{c.VocabSize, c.DModel}}, LMHead: weights.Param{Shape: []int{c.VocabSize, c.DModel}}}
	norm := func() nn.RMSNorm { return nn.NewRMSNorm(c.DModel, c.LayerNormEpsilon) }
	relBias := func() *weights.Param { return &weights.Param{Shape: []int{c.RelativeAttentionNumBuckets, c.NumHeads}} }
	m.Encoder.Blocks = make([]T5EncoderBlock, c.NumLayers)
	for i := range m.Encoder.Blocks {
		bl := &m.Encoder.Blocks[i]
		bl.SelfAttn, bl.SelfNorm, bl.FF, bl.FFNorm = newT5Attention(c), norm(), newT5FF(c), norm()
		if i == 0 {
			bl.SelfAttn.RelBias = relBias()
		}
	}
	m.Decoder.Blocks = make([]T5DecoderBlock, c.NumDecoderLayers)
	for i := range m.Decoder.Blocks {
		bl := &m.Decoder.Blocks[i]
		bl.SelfAttn, bl.SelfNorm, bl.FF, bl.FFNorm = newT5Attention(c), norm(), newT5FF(c), norm()
		bl.CrossAttn, bl.CrossNorm = newT5Attention(c), norm()
		if i == 0 {
			bl.SelfAttn.RelBias = relBias()
		}
	}
	m.Encoder.FinalNorm, m.Decoder.FinalNorm = norm(), norm()
	return m
}

// head is the LM head's weight: the shared embedding when they are tied.
func (m *T5) head() *weights.Param {
	if m.LMHead.Name == m.Shared.Name {
		return &m.Shared
	}
	return &m.LMHead
}

func (m *T5) afterBind() error {
	shareTied(&m.LMHead, &m.Shared)
	check := func(where string, i int, a *T5Attention, ff *T5FF) error {
		if (a.RelBias != nil) != (i == 0) {
			return fmt.Errorf("T5 %s: relative_attention_bias must be in block 0 only (block %d)", where, i)
		}
		if (ff.WI0 != nil && ff.WI1 != nil) != m.cfg.IsGatedAct || (ff.WI != nil) == m.cfg.IsGatedAct {
			return fmt.Errorf("T5 %s block %d: feed-forward weights do not match feed_forward_proj=%q", where, i, m.cfg.FeedForwardProj)
		}
		return nil
	}
	for i := range m.Encoder.Blocks {
		if err := check("encoder", i, &m.Encoder.Blocks[i].SelfAttn, &m.Encoder.Blocks[i].FF); err != nil {
			return err
		}
	}
	for i := range m.Decoder.Blocks {
		if err := check("decoder", i, &m.Decoder.Blocks[i].SelfAttn, &m.Decoder.Blocks[i].FF); err != nil {
			return err
		}
		if m.Decoder.Blocks[i].CrossAttn.RelBias != nil {
			return fmt.Errorf("T5 decoder block %d: cross-attention has no position bias", i)
		}
	}
	return nil
}

// relativeBucket is HF's _relative_position_bucket, in float32 as torch
// computes the logarithmic part.
func relativeBucket(rel int, bidirectional bool, buckets, maxDistance int) int {
	bucket := 0
	if bidirectional {
		buckets /= 2
		if rel > 0 {
			bucket += buckets
		}
		if rel < 0 {
			rel = -rel
		}
	} else {
		rel = -min(rel, 0)
	}
	maxExact := buckets / 2
	if rel < maxExact {
		return bucket + rel
	}
	r := float32(rel) / float32(maxExact)
	v := float32(math.Log(float64(r))) / float32(math.Log(float64(maxDistance)/float64(maxExact))) * float32(buckets-maxExact)
	return bucket + min(maxExact+int(v), buckets-1)
}

// positionBias uploads PositionBias for the backend.
func (m *T5) positionBias(b nn.Backend, table *weights.Param, mask [][]int, tq, past int, bidirectional bool) nn.Tensor {
	return b.Upload(m.PositionBias(table, mask, tq, past, bidirectional), len(mask), m.cfg.NumHeads, tq, len(mask[0]))
}

// PositionBias is the additive (B, H, Tq, Tk) bias of a T5 stack's
// self-attention: the relative position bias of query rows at positions
// past..past+Tq-1 over keys 0..Tk-1, plus (1 − mask)·−10000 for padded keys
// (mask is (B, Tk)). HF adds the two the same way before the softmax.
func (m *T5) PositionBias(table *weights.Param, mask [][]int, tq, past int, bidirectional bool) []float32 {
	h, batch, tk := m.cfg.NumHeads, len(mask), len(mask[0])
	out := make([]float32, 0, batch*h*tq*tk)
	for bi := 0; bi < batch; bi++ {
		for hh := 0; hh < h; hh++ {
			for i := 0; i < tq; i++ {
				for j := 0; j < tk; j++ {
					bk := relativeBucket(j-(past+i), bidirectional, m.cfg.RelativeAttentionNumBuckets, m.cfg.RelativeAttentionMaxDistance)
					out = append(out, table.Data[bk*h+hh]+float32(1-mask[bi][j])*-10000)
				}
			}
		}
	}
	return out
}
