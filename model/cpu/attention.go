package cpu

import (
	"math"
)

// MaskMode selects the structural attention mask: which keys each query row
// may see, from the token layout alone. Padding and position biases come on
// top as an additive bias buffer.
type MaskMode uint32

const (
	// MaskNone lets every row see every key: ITM's bi-directional mask,
	// cross-attention, the ViT, the T5 encoder.
	MaskNone MaskMode = iota
	// MaskUniModal is ITC's mask: the first NQ positions (queries) see only
	// queries, the others (text) see only text.
	MaskUniModal
	// MaskCausal is ITG's multimodal causal mask: queries see only queries;
	// text at absolute position a sees every query and keys ≤ a. With
	// NQ = 0 it is the plain causal mask of a language model.
	MaskCausal
)

// AttentionParams are the scalar parameters of the attention kernels, in the
// order of their WGSL Params struct.
//
// Layouts (row-major, as the Linear projections produce them, no permute):
// q and out (B, Tq, H, D); k and v (B, Tk, H, D); lse (B, H, Tq). Query row
// i sits at absolute position Past + i, so decoding with a KV cache is
// Tq new rows, Past cached keys, Tk = Past + Tq.
type AttentionParams struct {
	B, Tq, Tk, H, D int
	Scale           float32 // 1/√D for BERT/OPT/ViT; 1 for T5
	Mode            MaskMode
	NQ, Past        int
	// The bias, when present, is added to scale·q·k and read at
	// b·SB + h·SH + i·SI + j: strides 0 broadcast. Key padding (B, Tk) is
	// SB = Tk; T5's position bias (H, Tq, Tk) is SH = Tq·Tk, SI = Tk.
	SB, SH, SI int
}

// allowed is the boolean definition of the structural masks (blip2-spec §4)
// for query row i (absolute position past+i) and key j.
func allowed(mode MaskMode, i, j, nq, past int) bool {
	a := past + i
	switch mode {
	case MaskUniModal:
		return (a < nq) == (j < nq)
	case MaskCausal:
		if a < nq {
			return j < nq
		}
		return j < nq || j <= a
	}
	return true
}

// AttentionMask returns the structural mask as an additive (tq, tk) matrix:
// 0 where row i may see key j, −Inf where it may not. Model code and tests
// both use it, so the masks have one definition.
func AttentionMask(mode MaskMode, tq, tk, nq, past int) []float32 {
	m := make([]float32, tq*tk)
	ninf := float32(math.Inf(-1))
	for i := 0; i < tq; i++ {
		for j := 0; j < tk; j++ {
			if !allowed(mode, i, j, nq, past) {
				m[i*tk+j] = ninf
			}
		}
	}
	return m
}

// AttentionForward is the twin of attention_fwd, written as the composite
// the fused kernel replaces: per (batch, head) the explicit score matrix
// Q·Kᵀ, plus the structural mask and the bias, a row softmax (the same one
// as SoftmaxForward), then P·V. It also returns each row's log-sum-exp in
// lse for the backward pass (MaxFloat32 for a fully masked row, whose
// output is 0).
func AttentionForward(out, lse, q, k, v, bias []float32, p AttentionParams) {
	B, Tq, Tk, H, D := p.B, p.Tq, p.Tk, p.H, p.D
	mask := AttentionMask(p.Mode, Tq, Tk, p.NQ, p.Past)
	scores := make([]float32, Tq*Tk)
	add := make([]float32, Tq*Tk)
	prob := make([]float32, Tk)
	for b := 0; b < B; b++ {
		for h := 0; h < H; h++ {
			for i := 0; i < Tq; i++ {
				qi := q[((b*Tq+i)*H+h)*D:][:D]
				for j := 0; j < Tk; j++ {
					kj := k[((b*Tk+j)*H+h)*D:][:D]
					scores[i*Tk+j] = dot32(qi, kj)
					add[i*Tk+j] = mask[i*Tk+j]
					if bias != nil {
						add[i*Tk+j] += bias[b*p.SB+h*p.SH+i*p.SI+j]
					}
				}
			}
			for i := 0; i < Tq; i++ {
				lse[(b*H+h)*Tq+i] = softmaxRow(prob, scores[i*Tk:(i+1)*Tk], add[i*Tk:(i+1)*Tk], p.Scale)
				o := out[((b*Tq+i)*H+h)*D:][:D]
				for c := range o {
					var acc float64
					for j := 0; j < Tk; j++ {
						acc += float64(prob[j]) * float64(v[((b*Tk+j)*H+h)*D+c])
					}
					o[c] = float32(acc)
				}
			}
		}
	}
}

// dot32 is a float64-accumulated dot product of two equal-length rows.
func dot32(a, b []float32) float32 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return float32(s)
}
