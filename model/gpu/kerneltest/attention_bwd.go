package kerneltest

import (
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// attnBackward runs one backward problem on both sides: the forward twin
// gives out and lse, which both backward paths then take as inputs. It
// returns the GPU's and the twin's (dq, dk, dv, stats), concatenated.
func attnBackward(d *gpu.Device, rng *rand.Rand, s attnShape) (got, want []float32, err error) {
	q, k, v, bias, bshape, p := attnInputs(rng, s)
	out, lse := make([]float32, len(q)), make([]float32, s.b*s.h*s.tq)
	cpu.AttentionForward(out, lse, q, k, v, bias, p)
	dout := randn(rng, len(q), 1)
	dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
	cpu.AttentionBackward(dq, dk, dv, dout, q, k, v, out, lse, bias, p)

	tq, tk, tv := d.Upload(q, s.b, s.tq, s.h*s.d), d.Upload(k, s.b, s.tk, s.h*s.d), d.Upload(v, s.b, s.tk, s.h*s.d)
	tdo, to, tl := d.Upload(dout, s.b, s.tq, s.h*s.d), d.Upload(out, s.b, s.tq, s.h*s.d), d.Upload(lse, s.b, s.h, s.tq)
	o := s.opts(d, bias, bshape)
	gq, gk, gv := d.AttentionBackward(tdo, tq, tk, tv, to, tl, s.h, o)
	for _, t := range []*gpu.Tensor{gq, gk, gv} {
		var r []float32
		if err == nil {
			r, err = t.Read()
		}
		got = append(got, r...)
	}
	for _, t := range []*gpu.Tensor{tq, tk, tv, tdo, to, tl, o.Bias, gq, gk, gv} {
		t.Release()
	}
	return got, append(append(dq, dk...), dv...), err
}

func init() {
	for _, s := range attnShapes {
		s := s
		register(Case{
			Kernels: []string{"attention_bwd_delta", "attention_bwd_dq", "attention_bwd_dkv"}, Shape: s.String() + " dq+dk+dv",
			Atol: 1e-5, Rtol: 1e-4, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				return attnBackward(d, rng, s)
			},
		})
	}
}

// The backward benchmark times the three kernels together (one launch is
// delta + dq + dkv); Flops count the 8·B·H·Tq·Tk·D of the four matmuls of
// the textbook backward, although dkv recomputes q·k once more.
func init() {
	for _, s := range attnBenchShapes {
		s := s
		registerBench(Bench{
			Kernel: "attention_bwd", Shape: s.String(), Flops: 8 * float64(s.b*s.h*s.tq*s.tk*s.d),
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				q, k, v, _, _, _ := attnInputs(rng, s)
				tq, tk, tv := d.Upload(q, s.b, s.tq, s.h*s.d), d.Upload(k, s.b, s.tk, s.h*s.d), d.Upload(v, s.b, s.tk, s.h*s.d)
				tdo := d.Upload(randn(rng, len(q), 1), s.b, s.tq, s.h*s.d)
				o := s.opts(d, nil, nil)
				out, lse := d.Attention(tq, tk, tv, s.h, o)
				var gq, gk, gv *gpu.Tensor
				return func() {
						for _, t := range []*gpu.Tensor{gq, gk, gv} {
							t.Release()
						}
						gq, gk, gv = d.AttentionBackward(tdo, tq, tk, tv, out, lse, s.h, o)
					}, func() {
						for _, t := range []*gpu.Tensor{gq, gk, gv, tq, tk, tv, tdo, out, lse} {
							t.Release()
						}
					}
			},
			Twin: func(rng *rand.Rand) func() {
				q, k, v, _, _, p := attnInputs(rng, s)
				out, lse := make([]float32, len(q)), make([]float32, s.b*s.h*s.tq)
				cpu.AttentionForward(out, lse, q, k, v, nil, p)
				dout := randn(rng, len(q), 1)
				dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
				return func() { cpu.AttentionBackward(dq, dk, dv, dout, q, k, v, out, lse, nil, p) }
			},
		})
	}
}
