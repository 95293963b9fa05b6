package train

import (
	"math"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// Attention in the device step. The fused kernels (gpu.Attention and
// gpu.AttentionBackward) take the structural mask as a mode and the key
// padding as an additive (B, 1, 1, Tk) bias, as the host step does; head
// dims that are not a multiple of 4 are zero-padded (zeros change neither
// the scores nor the weighted sums, and the padded columns of every
// gradient are zero and trimmed). Where the fused contract cannot hold
// (head dim > 128) a composite (scores, masked softmax, P·V) with a dense
// mask runs instead.

// attnSpec is the mask of one attention call: a structural mode with NQ
// leading query tokens, and the 0/1 key padding (B, Tk) or nil.
type attnSpec struct {
	mode cpu.MaskMode
	nq   int
	keys [][]int
	bias *gpu.Tensor // keys as the additive (B, 1, 1, Tk) bias, or nil
}

// newAttnSpec uploads the key-padding bias ((1 − m)·−10000, HF's) once per
// pass; every layer's self-attention shares it.
func (s *GPUStepper) newAttnSpec(mode cpu.MaskMode, nq int, keys [][]int) *attnSpec {
	a := &attnSpec{mode: mode, nq: nq, keys: keys}
	if keys != nil {
		a.bias = s.upload(keyBias(keys), len(keys), 1, 1, len(keys[0]))
	}
	return a
}

// noMask is the spec of an unmasked call (the cross-attention).
var noMask = &attnSpec{}

// fusedMaxDim is the largest head dim the fused kernels take (after
// padding to a multiple of 4).
const fusedMaxDim = 128

// useComposite forces the composite path (tests of the fallback).
var useComposite = false

// composite says whether attention over heads of headDim must take the
// composite path (scores, softmax, P·V) instead of the fused kernels.
func composite(headDim int) bool {
	return useComposite || gpu.PaddedHeadDim(headDim) > fusedMaxDim
}

// compositeFor says whether this call takes the composite path: where it
// must, and on CPU-class adapters (lavapipe, SwiftShader) for every mask
// but the language model's causal one. There the fused kernels load k and v
// lane by lane (docs/kernels-attention.md) and the composite's products run
// on the texture matmuls, per head in place: the 256-wide reference stage-1
// step took 10.4 s instead of 12.0 when the products still read storage
// buffers, its ITM pairs and cross-attention gaining most. A plain causal
// mask lets the fused kernels skip half the keys, and the language model's
// steps (stage-0 LM, stage 2) stay faster fused; ITG's multimodal causal
// mask (queries first) gains from the composite (docs/profile). A full
// additive bias (T5's positions) keeps the fused kernels: the composite
// takes key padding only.
func (s *GPUStepper) compositeFor(headDim int, spec *attnSpec) bool {
	if composite(headDim) {
		return true
	}
	keyPadding := spec.bias == nil || spec.bias.Dim(1) == 1 && spec.bias.Dim(2) == 1
	lmCausal := spec.mode == cpu.MaskCausal && spec.nq == 0
	return s.d.Info.Class == "cpu" && !lmCausal && keyPadding
}

// GPUAttentionPath says which attention the device step runs for a head
// dim: "fused" (with "padded" when the dim is not a multiple of 4) or
// "composite".
func GPUAttentionPath(headDim int) string {
	switch {
	case composite(headDim):
		return "composite (scores, softmax, P·V)"
	case headDim%4 != 0:
		return "fused (heads padded to a multiple of 4)"
	}
	return "fused"
}

// gpuAttn is one attention call's saved state. q, k, v are the caller's
// (it releases them after the backward); everything else is the call's
// own and is also registered with the step's arena, so a backward that
// never runs leaks nothing.
type gpuAttn struct {
	q, k, v    *gpu.Tensor
	heads, dim int
	scale      float32
	// fused: the (padded) inputs and output, and the per-row log-sum-exp.
	pq, pk, pv, out, lse *gpu.Tensor
	opts                 gpu.AttentionOpts
	// composite: the softmax probabilities (B, H, Tq, Tk).
	p *gpu.Tensor
}

// attention is softmax(scale·q·kᵀ + mask)·v per head for q (B, Tq, H·D),
// k and v (B, Tk, H·D).
func (s *GPUStepper) attention(q, k, v *gpu.Tensor, spec *attnSpec, heads int, scale float32) (*gpu.Tensor, *gpuAttn) {
	a := &gpuAttn{q: q, k: k, v: v, heads: heads, dim: q.Dim(2) / heads, scale: scale}
	d := s.d
	pd := gpu.PaddedHeadDim(a.dim)
	if s.compositeFor(a.dim, spec) {
		var mask, owned *gpu.Tensor
		B, Tq, Tk := q.Dim(0), q.Dim(1), k.Dim(1)
		switch {
		case spec.mode == cpu.MaskNone && spec.keys == nil && spec.bias != nil:
			// Key padding alone, already on the device (ITM's pairs, gathered
			// by the drawn negatives): softmax broadcasts a (B, 1, Tk) mask
			// over heads and query rows.
			mask = spec.bias.Reshape(B, 1, Tk)
		case spec.mode != cpu.MaskNone || spec.keys != nil:
			owned = s.upload(attnMask(spec.mode, Tq, Tk, spec.nq, spec.keys, B), B, Tq, Tk)
			mask = owned
		}
		sc := d.HeadsQK(q, k, heads, d.ScoreStride(Tk))
		a.p = s.keep(d.SoftmaxCols(sc, Tk, scale, mask))
		release(sc, owned)
		return s.keep(d.HeadsPV(a.p, v, heads)), a
	}
	a.opts = gpu.AttentionOpts{Mode: spec.mode, NQ: spec.nq, Scale: scale, Bias: spec.bias}
	if pd == a.dim {
		out, lse := d.Attention(q, k, v, heads, a.opts)
		a.out, a.lse = s.keep(out), s.keep(lse)
		return out, a
	}
	a.pq, a.pk, a.pv = s.padHeads(q, heads, pd), s.padHeads(k, heads, pd), s.padHeads(v, heads, pd)
	out, lse := d.Attention(a.pq, a.pk, a.pv, heads, a.opts)
	a.out, a.lse = s.keep(out), s.keep(lse)
	return s.trimHeads(out, heads, a.dim), a
}

// attentionBackward returns dq, dk, dv (shaped like q, k, v) and releases
// the call's own saved state.
func (s *GPUStepper) attentionBackward(dout *gpu.Tensor, a *gpuAttn) (dq, dk, dv *gpu.Tensor) {
	d := s.d
	if a.p != nil {
		tk := a.k.Dim(1)
		dp := d.HeadsQK(dout, a.v, a.heads, a.p.Dim(3)) // dP = dO·Vᵀ
		ds := d.SoftmaxBackwardCols(a.p, dp, tk, a.scale)
		dp.Release()
		dq = d.HeadsPV(ds, a.k, a.heads) // dQ = dS·K
		dk = headsTN(d, ds, a.q, a.heads, tk)
		dv = headsTN(d, a.p, dout, a.heads, tk)
		release(ds, a.p)
		return s.keep(dq), s.keep(dk), s.keep(dv)
	}
	if a.pq == nil {
		dq, dk, dv = d.AttentionBackward(dout, a.q, a.k, a.v, a.out, a.lse, a.heads, a.opts)
		release(a.out, a.lse)
		return s.keep(dq), s.keep(dk), s.keep(dv)
	}
	pd := a.pq.Dim(2) / a.heads
	pdo := s.padHeads(dout, a.heads, pd)
	pdq, pdk, pdv := d.AttentionBackward(pdo, a.pq, a.pk, a.pv, a.out, a.lse, a.heads, a.opts)
	dq, dk, dv = s.trimHeads(pdq, a.heads, a.dim), s.trimHeads(pdk, a.heads, a.dim), s.trimHeads(pdv, a.heads, a.dim)
	release(pdo, pdq, pdk, pdv, a.pq, a.pk, a.pv, a.out, a.lse)
	return dq, dk, dv
}

// padHeads zero-pads each head of x (B, T, H·D) to pd columns.
func (s *GPUStepper) padHeads(x *gpu.Tensor, heads, pd int) *gpu.Tensor {
	// The view, not its parent, is the arena's: releasing either frees the
	// one buffer, so only one of them may be tracked.
	return s.keep(s.d.PadHeads(x, heads, pd))
}

// trimHeads is the inverse of padHeads: x (B, T, H·pd) → (B, T, H·dim).
func (s *GPUStepper) trimHeads(x *gpu.Tensor, heads, dim int) *gpu.Tensor {
	return s.keep(s.d.TrimHeads(x, heads, dim))
}

// headsTN is Pᵀ·X per head: p (B, H, Tq, ld), the first Tk entries of each
// row, and x (B, Tq, H·D) → (B, Tk, H·D).
func headsTN(d *gpu.Device, p, x *gpu.Tensor, heads, Tk int) *gpu.Tensor {
	B, Tq, ld, hd := p.Dim(0), p.Dim(2), p.Dim(3), x.Dim(2)
	dh := hd / heads
	out := d.Scratch(B, Tk, hd)
	d.MatMulTN(out, p, x, cpu.MatMulDims{M: Tk, N: dh, K: Tq, Batch: B * heads, Inner: heads,
		A: cpu.Layout{Row: ld, Outer: heads * Tq * ld, Inner: Tq * ld},
		B: cpu.Layout{Row: hd, Outer: Tq * hd, Inner: dh},
		C: cpu.Layout{Row: hd, Outer: Tk * hd, Inner: dh}})
	return out
}

// attnMask is the composite's additive mask (B, Tq, Tk) of a structural
// mode and a 0/1 key-padding mask (B, Tk) (nil: all keys): −Inf where the
// structure forbids, −10000 on padded keys (HF's (1 − m)·−10000), else 0.
func attnMask(mode cpu.MaskMode, tq, tk, nq int, keys [][]int, B int) []float32 {
	out := make([]float32, 0, B*tq*tk)
	ninf := float32(math.Inf(-1))
	st := cpu.AttentionMask(mode, tq, tk, nq, 0)
	for b := 0; b < B; b++ {
		for i := 0; i < tq; i++ {
			for j := 0; j < tk; j++ {
				v := st[i*tk+j]
				if v != ninf && keys != nil {
					v += float32(1-keys[b][j]) * -10000
				}
				out = append(out, v)
			}
		}
	}
	return out
}
