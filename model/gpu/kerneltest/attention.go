package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// attnShape is one attention problem. pad > 0 masks the last `pad` keys of
// every other batch element with padVal through a (B, 1, 1, Tk) bias; t5
// adds a (1, H, Tq, Tk) position bias instead (summed with the padding when
// both are set, into a (B, H, Tq, Tk) bias).
type attnShape struct {
	name            string
	b, tq, tk, h, d int
	mode            cpu.MaskMode
	nq, past        int
	scale           float32 // 0: 1/√D
	pad             int
	padVal          float32
	t5              bool
	browser         bool
}

func (s attnShape) String() string {
	return fmt.Sprintf("%s B%d Tq%d Tk%d H%d D%d", s.name, s.b, s.tq, s.tk, s.h, s.d)
}

var ninf = float32(math.Inf(-1))

var attnShapes = []attnShape{
	{name: "cross", b: 2, tq: 3, tk: 5, h: 2, d: 8, browser: true},
	{name: "itc+pad", b: 2, tq: 6, tk: 6, h: 2, d: 8, mode: cpu.MaskUniModal, nq: 2, pad: 1, padVal: ninf, browser: true},
	{name: "itm+pad-1e4", b: 2, tq: 6, tk: 6, h: 3, d: 24, nq: 2, pad: 2, padVal: -10000, browser: true},
	{name: "itg+pad", b: 2, tq: 6, tk: 6, h: 2, d: 24, mode: cpu.MaskCausal, nq: 2, pad: 1, padVal: ninf, browser: true},
	{name: "itg-cached", b: 2, tq: 4, tk: 6, h: 2, d: 8, mode: cpu.MaskCausal, nq: 2, past: 2, browser: true},
	{name: "decode", b: 2, tq: 1, tk: 5, h: 2, d: 80, mode: cpu.MaskCausal, past: 4, browser: true},
	{name: "t5-dec", b: 2, tq: 3, tk: 7, h: 2, d: 64, mode: cpu.MaskCausal, past: 4, scale: 1, t5: true, browser: true},
	{name: "t5-enc+pad", b: 2, tq: 5, tk: 5, h: 2, d: 16, scale: 1, t5: true, pad: 2, padVal: ninf, browser: true},
	{name: "finfo.min-row", b: 2, tq: 3, tk: 4, h: 1, d: 8, pad: 4, padVal: -math.MaxFloat32, browser: true},
	{name: "no-key-rows", b: 2, tq: 4, tk: 3, h: 1, d: 4, mode: cpu.MaskUniModal, nq: 3, pad: 3, padVal: ninf, browser: true},
	{name: "single", b: 1, tq: 1, tk: 1, h: 1, d: 4, browser: true},
	{name: "odd", b: 3, tq: 7, tk: 37, h: 5, d: 12, pad: 5, padVal: ninf},
	{name: "qformer-itm", b: 32, tq: 64, tk: 64, h: 12, d: 64, nq: 32, pad: 9, padVal: -10000},
	{name: "qformer-itc", b: 32, tq: 64, tk: 64, h: 12, d: 64, mode: cpu.MaskUniModal, nq: 32, pad: 9, padVal: -10000},
	{name: "qformer-itg", b: 32, tq: 64, tk: 64, h: 12, d: 64, mode: cpu.MaskCausal, nq: 32, pad: 9, padVal: -10000},
	{name: "itg-cached", b: 32, tq: 32, tk: 64, h: 12, d: 64, mode: cpu.MaskCausal, nq: 32, past: 32, pad: 9, padVal: -10000},
	{name: "cross-vit", b: 32, tq: 32, tk: 257, h: 12, d: 64},
	{name: "opt-decode", b: 4, tq: 1, tk: 64, h: 32, d: 80, mode: cpu.MaskCausal, past: 63},
	{name: "vit-g", b: 1, tq: 257, tk: 257, h: 16, d: 88},
}

// attnInputs draws q, k, v and the bias of one problem, returning the
// bias's shape and the params of the twin.
func attnInputs(rng *rand.Rand, s attnShape) (q, k, v, bias []float32, bshape []int, p cpu.AttentionParams) {
	q = randn(rng, s.b*s.tq*s.h*s.d, 1)
	k = randn(rng, s.b*s.tk*s.h*s.d, 1)
	v = randn(rng, s.b*s.tk*s.h*s.d, 1)
	p = cpu.AttentionParams{B: s.b, Tq: s.tq, Tk: s.tk, H: s.h, D: s.d, Scale: s.scale, Mode: s.mode, NQ: s.nq, Past: s.past}
	if p.Scale == 0 {
		p.Scale = float32(1 / math.Sqrt(float64(s.d)))
	}
	switch {
	case s.t5:
		bshape = []int{1, s.h, s.tq, s.tk}
		if s.pad > 0 {
			bshape[0] = s.b
		}
		base := randn(rng, s.h*s.tq*s.tk, 2)
		for b := 0; b < bshape[0]; b++ {
			bias = append(bias, base...)
		}
	case s.pad > 0:
		bshape = []int{s.b, 1, 1, s.tk}
		bias = make([]float32, s.b*s.tk)
	default:
		return
	}
	if s.pad > 0 {
		per := len(bias) / s.b
		for b := 1; b < s.b; b += 2 {
			for r := 0; r < per/s.tk; r++ {
				for j := s.tk - s.pad; j < s.tk; j++ {
					bias[b*per+r*s.tk+j] += s.padVal
				}
			}
		}
	}
	p.SI = s.tk
	if bshape[1] > 1 {
		p.SH = bshape[2] * s.tk
	}
	if bshape[0] > 1 {
		p.SB = bshape[1] * bshape[2] * s.tk
	}
	if bshape[2] == 1 {
		p.SI = 0
	}
	return
}

func (s attnShape) opts(d *gpu.Device, bias []float32, bshape []int) gpu.AttentionOpts {
	o := gpu.AttentionOpts{Mode: s.mode, NQ: s.nq, Past: s.past, Scale: s.scale}
	if bias != nil {
		o.Bias = d.Upload(bias, bshape...)
	}
	return o
}

func init() {
	for _, s := range attnShapes {
		s := s
		register(Case{
			Kernels: []string{"attention_fwd"}, Shape: s.String() + " out+lse",
			Atol: 2e-6, Rtol: 2e-5, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				q, k, v, bias, bshape, p := attnInputs(rng, s)
				out, lse := make([]float32, len(q)), make([]float32, s.b*s.h*s.tq)
				cpu.AttentionForward(out, lse, q, k, v, bias, p)
				tq, tk, tv := d.Upload(q, s.b, s.tq, s.h*s.d), d.Upload(k, s.b, s.tk, s.h, s.d), d.Upload(v, s.b, s.tk, s.h*s.d)
				o := s.opts(d, bias, bshape)
				gout, glse := d.Attention(tq, tk, tv, s.h, o)
				got, err := gout.Read()
				var gl []float32
				if err == nil {
					gl, err = glse.Read()
				}
				for _, t := range []*gpu.Tensor{tq, tk, tv, o.Bias, gout, glse} {
					t.Release()
				}
				return append(got, gl...), append(out, lse...), err
			},
		})
	}
}

// attnBenchShapes are the BLIP-2 shapes timed by `server bench -run attention`.
// Flops count 4·B·H·Tq·Tk·D (two matmuls) even where a mask skips keys.
var attnBenchShapes = []attnShape{
	{name: "qformer-self", b: 32, tq: 64, tk: 64, h: 12, d: 64, nq: 32},
	{name: "qformer-itg", b: 32, tq: 64, tk: 64, h: 12, d: 64, mode: cpu.MaskCausal, nq: 32},
	{name: "qformer-cross", b: 32, tq: 32, tk: 257, h: 12, d: 64},
	{name: "decode", b: 32, tq: 1, tk: 64, h: 12, d: 64, mode: cpu.MaskCausal, past: 63},
}

func init() {
	for _, s := range attnBenchShapes {
		s := s
		registerBench(Bench{
			Kernel: "attention_fwd", Shape: s.String(), Flops: 4 * float64(s.b*s.h*s.tq*s.tk*s.d),
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				q, k, v, _, _, _ := attnInputs(rng, s)
				tq, tk, tv := d.Upload(q, s.b, s.tq, s.h*s.d), d.Upload(k, s.b, s.tk, s.h*s.d), d.Upload(v, s.b, s.tk, s.h*s.d)
				var out, lse *gpu.Tensor
				o := s.opts(d, nil, nil)
				return func() {
						out.Release()
						lse.Release()
						out, lse = d.Attention(tq, tk, tv, s.h, o)
					}, func() {
						for _, t := range []*gpu.Tensor{out, lse, tq, tk, tv} {
							t.Release()
						}
					}
			},
			Twin: func(rng *rand.Rand) func() {
				q, k, v, _, _, p := attnInputs(rng, s)
				out, lse := make([]float32, len(q)), make([]float32, s.b*s.h*s.tq)
				return func() { cpu.AttentionForward(out, lse, q, k, v, nil, p) }
			},
		})
	}
}
