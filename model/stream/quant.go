package stream

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"blip2/model/cpu"
	"blip2/model/weights"
)

// q4Group is the int4 scale group of the matmul_fwd_q4 kernel.
const q4Group = cpu.Q4Group

// encodeRows stores rows of an (N, K…) tensor in a dtype and returns the
// bytes and, for lossy dtypes, nothing else: the relative error is measured
// by the caller on the whole tensor.
func encodeRows(w []float32, rows, cols int, dtype string) ([]byte, error) {
	switch dtype {
	case "f32":
		b := make([]byte, 4*len(w))
		for i, v := range w {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b, nil
	case "f16":
		b := make([]byte, 2*len(w))
		for i, v := range w {
			binary.LittleEndian.PutUint16(b[2*i:], weights.FloatToHalf(v))
		}
		return b, nil
	case "q8", "q4":
		quant := cpu.QuantizeQ8
		if dtype == "q4" {
			quant = cpu.QuantizeQ4
		}
		q, scale := quant(w, rows, cols)
		b := make([]byte, 4*(len(q)+len(scale)))
		for i, v := range q {
			binary.LittleEndian.PutUint32(b[4*i:], v)
		}
		for i, v := range scale {
			binary.LittleEndian.PutUint32(b[4*(len(q)+i):], math.Float32bits(v))
		}
		return b, nil
	}
	return nil, fmt.Errorf("stream: unknown dtype %q", dtype)
}

// decodeRows is the inverse of encodeRows, to f32.
func decodeRows(b []byte, rows, cols int, dtype string) ([]float32, error) {
	n := rows * cols
	words := func(b []byte) []uint32 {
		out := make([]uint32, len(b)/4)
		for i := range out {
			out[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		return out
	}
	floats := func(b []byte) []float32 {
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	}
	switch dtype {
	case "f32":
		return floats(b), nil
	case "f16":
		out := make([]float32, n)
		for i := range out {
			out[i] = weights.HalfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out, nil
	case "q8":
		return cpu.DequantizeQ8(words(b[:n]), floats(b[n:]), rows, cols), nil
	case "q4":
		return cpu.DequantizeQ4(words(b[:n/2]), floats(b[n/2:]), rows, cols), nil
	}
	return nil, fmt.Errorf("stream: unknown dtype %q", dtype)
}

// relError is ‖w − v‖/‖w‖ (0 for a zero tensor).
func relError(w, v []float32) float64 {
	var num, den float64
	for i := range w {
		d := float64(w[i]) - float64(v[i])
		num += d * d
		den += float64(w[i]) * float64(w[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// Plan is how each part of a model is stored: the frozen image encoder,
// the Q-Former and the frozen language model, each f32, f16, int8 or int4.
// In the int modes a part's Linear weights are quantized where the kernel's
// packing fits K (a multiple of 4 for int8, of 32 for int4) and its other
// tensors keep a float: f32 for the image encoder and the Q-Former, f16 for
// the language model. The embeddings, projections and heads outside the
// three parts follow the Q-Former's float.
type Plan struct {
	Vision  string `json:"vision"`
	QFormer string `json:"qformer"`
	LM      string `json:"language_model"`
}

// PlanFor is the plan of a conversion mode: f32 and f16 store everything
// so; int8 and int4 quantize the image encoder, keep the trainable
// Q-Former f32 and the language model f16 (on the reference sets int8 in
// the language model flipped a greedy choice whose logit margin was
// 0.019, while f16 changed none; it stays an option, -lm).
func PlanFor(mode string) Plan {
	switch mode {
	case "int8", "int4":
		return Plan{Vision: mode, QFormer: "f32", LM: "f16"}
	}
	return Plan{Vision: mode, QFormer: mode, LM: mode}
}

func (p Plan) valid() error {
	for _, m := range []string{p.Vision, p.QFormer, p.LM} {
		if !valid(m) {
			return fmt.Errorf("stream: unknown mode %q (want one of %v)", m, Modes)
		}
	}
	return nil
}

// storedDType picks how a tensor is stored under a plan.
func storedDType(name string, shape []int, p Plan) string {
	mode, float := p.QFormer, "f32"
	switch {
	case strings.HasPrefix(name, "vision_model.encoder."):
		mode = p.Vision
	case strings.HasPrefix(name, "language_model."):
		mode, float = p.LM, "f16"
	case strings.HasPrefix(name, "qformer.encoder."):
	default: // embeddings, projections, heads: the Q-Former's float
		if mode == "f16" {
			return "f16"
		}
		return "f32"
	}
	if mode == "f32" || mode == "f16" {
		return mode
	}
	linear := len(shape) == 2 && strings.HasSuffix(name, ".weight") && !strings.Contains(name, "embed") &&
		!strings.Contains(name, "shared") && !strings.Contains(name, "relative_attention_bias") && !strings.Contains(name, "lm_head")
	// A language model's token table is its head too (a Linear, per row a
	// channel); packed, its rows are gathered from the codes.
	linear = linear || len(shape) == 2 && (strings.HasSuffix(name, "embed_tokens.weight") ||
		strings.HasSuffix(name, "shared.weight") || strings.HasSuffix(name, "lm_head.weight"))
	switch {
	case linear && mode == "int8" && shape[1]%4 == 0:
		return "q8"
	case linear && mode == "int4" && shape[1]%q4Group == 0:
		return "q4"
	}
	return float
}
