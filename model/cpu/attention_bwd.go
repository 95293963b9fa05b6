package cpu

import "math"

// The backward pass of attention, as three kernels:
//
//	attention_bwd_delta: stats = (lse, δ) per query row, δ_i = Σ_d dO_i·O_i
//	attention_bwd_dq:    dQ_i = scale·Σ_j dS_ij K_j
//	attention_bwd_dkv:   dK_j = scale·Σ_i dS_ij Q_i,  dV_j = Σ_i P_ij dO_i
//
// with P_ij = exp(s_ij − lse_i) recomputed from the saved log-sum-exp,
// s_ij = scale·Q_i·K_j + mask_ij + bias_ij, and dS_ij = P_ij·(dO_i·V_j − δ_i)
// (the softmax backward, since Σ_j P_ij·dO_i·V_j = dO_i·O_i = δ_i). The
// bias gets no gradient: the T5 position bias is frozen.

// AttentionBackwardDelta is the twin of attention_bwd_delta: it packs the
// forward's lse and δ = rowsum(dO⊙O) as stats (B, H, Tq, 2), so the other
// two kernels read one buffer for both.
func AttentionBackwardDelta(stats, dout, out, lse []float32, p AttentionParams) {
	for b := 0; b < p.B; b++ {
		for h := 0; h < p.H; h++ {
			for i := 0; i < p.Tq; i++ {
				r := (b*p.H+h)*p.Tq + i
				o := ((b*p.Tq+i)*p.H + h) * p.D
				stats[2*r] = lse[r]
				stats[2*r+1] = dot32(dout[o:o+p.D], out[o:o+p.D])
			}
		}
	}
}

// attnGrads returns, for one (batch, head), the probabilities P and the
// score gradients dS as explicit (Tq, Tk) matrices.
func attnGrads(q, k, v, dout, stats, bias, mask []float32, p AttentionParams, b, h int) (P, dS []float64) {
	Tq, Tk, H, D := p.Tq, p.Tk, p.H, p.D
	P, dS = make([]float64, Tq*Tk), make([]float64, Tq*Tk)
	for i := 0; i < Tq; i++ {
		r := (b*H+h)*Tq + i
		lse, delta := float64(stats[2*r]), float64(stats[2*r+1])
		qi := q[((b*Tq+i)*H+h)*D:][:D]
		gi := dout[((b*Tq+i)*H+h)*D:][:D]
		for j := 0; j < Tk; j++ {
			s := p.Scale*dot32(qi, k[((b*Tk+j)*H+h)*D:][:D]) + mask[i*Tk+j]
			if bias != nil {
				s += bias[b*p.SB+h*p.SH+i*p.SI+j]
			}
			if negInf(s) {
				continue
			}
			pij := math.Exp(float64(s) - lse)
			P[i*Tk+j] = pij
			dS[i*Tk+j] = pij * (float64(dot32(gi, v[((b*Tk+j)*H+h)*D:][:D])) - delta)
		}
	}
	return P, dS
}

// AttentionBackwardDQ is the twin of attention_bwd_dq: dq (B, Tq, H, D).
func AttentionBackwardDQ(dq, q, k, v, dout, stats, bias []float32, p AttentionParams) {
	mask := AttentionMask(p.Mode, p.Tq, p.Tk, p.NQ, p.Past)
	Tq, Tk, H, D := p.Tq, p.Tk, p.H, p.D
	for b := 0; b < p.B; b++ {
		for h := 0; h < H; h++ {
			_, dS := attnGrads(q, k, v, dout, stats, bias, mask, p, b, h)
			for i := 0; i < Tq; i++ {
				for c := 0; c < D; c++ {
					var acc float64
					for j := 0; j < Tk; j++ {
						acc += dS[i*Tk+j] * float64(k[((b*Tk+j)*H+h)*D+c])
					}
					dq[((b*Tq+i)*H+h)*D+c] = p.Scale * float32(acc)
				}
			}
		}
	}
}

// AttentionBackwardDKV is the twin of attention_bwd_dkv: dk and dv
// (B, Tk, H, D).
func AttentionBackwardDKV(dk, dv, q, k, v, dout, stats, bias []float32, p AttentionParams) {
	mask := AttentionMask(p.Mode, p.Tq, p.Tk, p.NQ, p.Past)
	Tq, Tk, H, D := p.Tq, p.Tk, p.H, p.D
	for b := 0; b < p.B; b++ {
		for h := 0; h < H; h++ {
			P, dS := attnGrads(q, k, v, dout, stats, bias, mask, p, b, h)
			for j := 0; j < Tk; j++ {
				for c := 0; c < D; c++ {
					var ak, av float64
					for i := 0; i < Tq; i++ {
						qd := ((b*Tq+i)*H + h) * D
						ak += dS[i*Tk+j] * float64(q[qd+c])
						av += P[i*Tk+j] * float64(dout[qd+c])
					}
					dk[((b*Tk+j)*H+h)*D+c] = p.Scale * float32(ak)
					dv[((b*Tk+j)*H+h)*D+c] = float32(av)
				}
			}
		}
	}
}

// AttentionBackward runs the three backward twins in order: the gradients
// of Σ dout⊙out for out = AttentionForward(q, k, v, bias).
func AttentionBackward(dq, dk, dv, dout, q, k, v, out, lse, bias []float32, p AttentionParams) {
	stats := make([]float32, 2*p.B*p.H*p.Tq)
	AttentionBackwardDelta(stats, dout, out, lse, p)
	AttentionBackwardDQ(dq, q, k, v, dout, stats, bias, p)
	AttentionBackwardDKV(dk, dv, q, k, v, dout, stats, bias, p)
}
