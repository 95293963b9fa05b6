package gpu

import (
	"math"

	"blip2/model/cpu"
)

// attnParams mirrors the Params struct shared by the attention kernels.
type attnParams struct {
	B, Tq, Tk, H, D uint32
	Scale           float32
	Mode, NQ, Past  uint32
	HasBias         uint32
	SB, SH, SI      uint32
	Stride          uint32
	_, _            uint32
}

// AttentionOpts selects the mask and scaling of Attention.
type AttentionOpts struct {
	// Mode is the structural mask (cpu.MaskNone, MaskUniModal, MaskCausal)
	// with the number of leading query tokens NQ and the absolute position
	// Past of the first query row (KV-cache decoding): see cpu.AttentionMask.
	Mode     cpu.MaskMode
	NQ, Past int
	// Scale multiplies q·k; 0 means 1/√D. T5 uses 1.
	Scale float32
	// Bias, if not nil, is added to the scores: 4-D (B|1, H|1, Tq|1, Tk),
	// size-1 axes broadcast. Key padding is (B, 1, 1, Tk) with −Inf (or
	// −10000, or finfo.min, used as given); T5's position bias is
	// (1, H, Tq, Tk); both at once is their sum, (B, H, Tq, Tk).
	Bias *Tensor
}

// attnSetup checks shapes and fills the kernel parameters. q is
// (B, Tq, H·D) or (B, Tq, H, D); k and v (B, Tk, H·D) or (B, Tk, H, D).
func (d *Device) attnSetup(op string, q, k, v *Tensor, heads int, o AttentionOpts) (attnParams, bool) {
	var p attnParams
	if len(q.shape) < 3 || len(k.shape) < 3 || heads <= 0 || q.n%(q.Dim(0)*q.Dim(1)*heads) != 0 {
		d.failf("%s: q %v, k %v with %d heads: want (B, T, H·D) or (B, T, H, D)", op, q.shape, k.shape, heads)
		return p, false
	}
	B, Tq, Tk := q.Dim(0), q.Dim(1), k.Dim(1)
	D := q.n / (B * Tq * heads)
	if k.Dim(0) != B || k.n != B*Tk*heads*D || v.n != k.n || v.Dim(1) != Tk {
		d.failf("%s: q %v, k %v, v %v with %d heads do not agree", op, q.shape, k.shape, v.shape, heads)
		return p, false
	}
	if Tk == 0 {
		d.failf("%s: k %v has no keys", op, k.shape)
		return p, false
	}
	if D%4 != 0 || D > 128 {
		d.failf("%s: head dim %d (q %v, %d heads): the kernels need a multiple of 4, at most 128", op, D, q.shape, heads)
		return p, false
	}
	if o.Mode > cpu.MaskCausal || o.NQ < 0 || o.Past < 0 {
		d.failf("%s: bad mask mode %d (nq %d, past %d)", op, o.Mode, o.NQ, o.Past)
		return p, false
	}
	p = attnParams{B: uint32(B), Tq: uint32(Tq), Tk: uint32(Tk), H: uint32(heads), D: uint32(D),
		Scale: o.Scale, Mode: uint32(o.Mode), NQ: uint32(o.NQ), Past: uint32(o.Past)}
	if p.Scale == 0 {
		p.Scale = float32(1 / math.Sqrt(float64(D)))
	}
	if bt := o.Bias; bt != nil {
		s := bt.shape
		ok := len(s) == 4 && (s[0] == 1 || s[0] == B) && (s[1] == 1 || s[1] == heads) && (s[2] == 1 || s[2] == Tq) && s[3] == Tk
		if !ok {
			d.failf("%s: bias %v does not broadcast to (B, H, Tq, Tk) = (%d, %d, %d, %d)", op, s, B, heads, Tq, Tk)
			return p, false
		}
		stride := func(n, full, inner int) uint32 {
			if n == 1 && full != 1 {
				return 0
			}
			return uint32(inner)
		}
		p.HasBias = 1
		p.SI = stride(s[2], Tq, Tk)
		p.SH = stride(s[1], heads, s[2]*Tk)
		p.SB = stride(s[0], B, s[1]*s[2]*Tk)
	}
	return p, true
}

// twinParams converts the kernel parameters for the pure-Go twins.
func (p attnParams) twin() cpu.AttentionParams {
	return cpu.AttentionParams{B: int(p.B), Tq: int(p.Tq), Tk: int(p.Tk), H: int(p.H), D: int(p.D), Scale: p.Scale,
		Mode: cpu.MaskMode(p.Mode), NQ: int(p.NQ), Past: int(p.Past), SB: int(p.SB), SH: int(p.SH), SI: int(p.SI)}
}

// biasOrDummy returns the bias to bind, and a placeholder to release when
// there is none (the kernel does not read it then).
func (d *Device) biasOrDummy(b *Tensor) (bind, release *Tensor) {
	if b != nil {
		return b, nil
	}
	t := d.Scratch(1)
	return t, t
}

// Attention returns softmax(scale·q·kᵀ + mask + bias)·v per head, shaped
// like q, and the per-row log-sum-exp lse (B, H, Tq) the backward pass
// needs. Kernel attention_fwd; twin cpu.AttentionForward.
func (d *Device) Attention(q, k, v *Tensor, heads int, o AttentionOpts) (out, lse *Tensor) {
	out = d.Scratch(q.shape...)
	p, ok := d.attnSetup("attention", q, k, v, heads, o)
	if !ok {
		return out, d.Scratch(1)
	}
	lse = d.Scratch(int(p.B), heads, int(p.Tq))
	if q.n == 0 {
		return out, lse
	}
	bias, dummy := d.biasOrDummy(o.Bias)
	defer dummy.Release()
	g, stride := Groups1D(int(p.B*p.H*ceilDiv(p.Tq, attnRows)), 64)
	p.Stride = stride
	d.Dispatch("attention_fwd", g, p, out, lse, q, k, v, bias)
	return out, lse
}

// attnRows is R in attention_fwd and attention_bwd_dq: query rows per
// invocation. attnKeys is R in attention_bwd_dkv: keys per invocation.
const (
	attnRows = 8
	attnKeys = 4
)

func ceilDiv(a, b uint32) uint32 { return (a + b - 1) / b }
