package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// picture draws an additive mask as rows of 1 (visible) and 0 (masked).
func picture(m []float32, tq, tk int) string {
	var b strings.Builder
	for i := 0; i < tq; i++ {
		for j := 0; j < tk; j++ {
			if j > 0 {
				b.WriteByte(' ')
			}
			if math.IsInf(float64(m[i*tk+j]), -1) {
				b.WriteByte('0')
			} else {
				b.WriteByte('1')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// The masks of blip2-spec §4 for two queries and three text tokens (the
// text padding is an additive key bias, not part of the structural mask),
// plus causal decoding with a cache.
func TestAttentionMaskPictures(t *testing.T) {
	for _, c := range []struct {
		mode            MaskMode
		tq, tk, nq, pst int
		want            string
	}{
		{MaskUniModal, 5, 5, 2, 0, "1 1 0 0 0\n1 1 0 0 0\n0 0 1 1 1\n0 0 1 1 1\n0 0 1 1 1\n"},
		{MaskNone, 5, 5, 2, 0, "1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n"},
		{MaskCausal, 5, 5, 2, 0, "1 1 0 0 0\n1 1 0 0 0\n1 1 1 0 0\n1 1 1 1 0\n1 1 1 1 1\n"},
		// ITG as LAVIS runs it: text rows only, the 2 query keys cached.
		{MaskCausal, 3, 5, 2, 2, "1 1 1 0 0\n1 1 1 1 0\n1 1 1 1 1\n"},
		// Decoding one token at position 3 over a cache of 3.
		{MaskCausal, 1, 4, 0, 3, "1 1 1 1\n"},
		{MaskCausal, 2, 4, 0, 2, "1 1 1 0\n1 1 1 1\n"},
	} {
		got := picture(AttentionMask(c.mode, c.tq, c.tk, c.nq, c.pst), c.tq, c.tk)
		if got != c.want {
			t.Errorf("mode %d tq %d tk %d nq %d past %d:\n%s\nwant\n%s", c.mode, c.tq, c.tk, c.nq, c.pst, got, c.want)
		}
	}
}

// attnCase builds random inputs; the bias, when asked for, combines key
// padding (−Inf on the last key of batch 1, finfo.min-free) and a per-head
// position bias, as a full (B, H, Tq, Tk) buffer.
func attnCase(rng *rand.Rand, p *AttentionParams, withBias bool) (q, k, v, bias []float32) {
	q = randVec(rng, p.B*p.Tq*p.H*p.D, 1)
	k = randVec(rng, p.B*p.Tk*p.H*p.D, 1)
	v = randVec(rng, p.B*p.Tk*p.H*p.D, 1)
	if withBias {
		bias = randVec(rng, p.B*p.H*p.Tq*p.Tk, 0.5)
		p.SB, p.SH, p.SI = p.H*p.Tq*p.Tk, p.Tq*p.Tk, p.Tk
		if p.B > 1 {
			for h := 0; h < p.H; h++ {
				for i := 0; i < p.Tq; i++ {
					bias[((1*p.H+h)*p.Tq+i)*p.Tk+p.Tk-1] = float32(math.Inf(-1))
				}
			}
		}
	}
	return
}

func TestAttentionBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, c := range []struct {
		mode                MaskMode
		tq, tk, nq, past, d int
		bias                bool
		scale               float32
	}{
		{MaskNone, 3, 5, 0, 0, 4, false, 0.5},     // cross-attention
		{MaskNone, 4, 4, 2, 0, 4, true, 0.5},      // ITM with padding
		{MaskUniModal, 5, 5, 2, 0, 4, true, 0.5},  // ITC
		{MaskCausal, 5, 5, 2, 0, 4, true, 0.5},    // ITG
		{MaskCausal, 2, 5, 0, 3, 8, true, 1},      // T5-like decoding with cache and bias
		{MaskUniModal, 3, 2, 2, 0, 4, false, 0.5}, // text row with no keys: fully masked
	} {
		t.Run(fmt.Sprintf("mode%d_tq%d_tk%d_nq%d_past%d", c.mode, c.tq, c.tk, c.nq, c.past), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			p := AttentionParams{B: 2, Tq: c.tq, Tk: c.tk, H: 2, D: c.d, Scale: c.scale, Mode: c.mode, NQ: c.nq, Past: c.past}
			q, k, v, bias := attnCase(rng, &p, c.bias)
			w := randVec(rng, len(q), 1)
			out, lse := make([]float32, len(q)), make([]float32, p.B*p.H*p.Tq)
			loss := func() float64 {
				AttentionForward(out, lse, q, k, v, bias, p)
				return weighted(w, out)
			}
			loss()
			dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
			AttentionBackward(dq, dk, dv, w, q, k, v, out, lse, bias, p)
			fdCheck(t, "dq", q, dq, loss, 1e-2, 3e-4, 2e-3)
			fdCheck(t, "dk", k, dk, loss, 1e-2, 3e-4, 2e-3)
			fdCheck(t, "dv", v, dv, loss, 1e-2, 3e-4, 2e-3)
		})
	}
}

// A row that sees no key at all gives a zero output, lse = MaxFloat32, and
// zero gradients; keys masked by a −Inf bias get zero dK and dV.
func TestAttentionFullyMaskedRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := AttentionParams{B: 1, Tq: 3, Tk: 2, H: 1, D: 4, Scale: 0.5, Mode: MaskUniModal, NQ: 2}
	q, k, v, _ := attnCase(rng, &p, false)
	out, lse := make([]float32, len(q)), make([]float32, 3)
	AttentionForward(out, lse, q, k, v, nil, p)
	if lse[2] != MaxFloat32 {
		t.Errorf("lse of the fully masked row = %g, want MaxFloat32", lse[2])
	}
	for c := 0; c < 4; c++ {
		if out[2*4+c] != 0 {
			t.Errorf("out of the fully masked row = %v, want zeros", out[8:])
		}
	}
	dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
	AttentionBackward(dq, dk, dv, randVec(rng, len(q), 1), q, k, v, out, lse, nil, p)
	for c := 0; c < 4; c++ {
		if dq[8+c] != 0 {
			t.Errorf("dq of the fully masked row = %v, want zeros", dq[8:])
		}
	}
}
