// Package nn is the narrow contract between the model code and the devices
// that run it: a Backend interface of the ~20 operations BLIP-2 needs, and
// small layers (Linear, LayerNorm, …) bound to checkpoint tensor names.
//
// Two backends implement it: model/gpu's WebGPU device (native and browser)
// and model/cpu's reference, which calls the pure-Go twin of each kernel.
// The model code in model/blip2 is written once against this interface.
//
// Shapes are row-major in PyTorch order: (B, T, C). Attention takes and
// returns (B, T, H·D) exactly as the Linear projections produce it.
package nn

import "blip2/model/weights"

// Tensor is a backend's array handle.
type Tensor interface {
	Shape() []int
}

// MaskMode is the structural attention mask (blip2-spec §4).
type MaskMode uint32

const (
	// MaskNone: every row sees every key (ITM, cross-attention, ViT, T5
	// encoder).
	MaskNone MaskMode = iota
	// MaskUniModal: the first NQ positions (queries) see only queries, the
	// others (text) only text (ITC in one joint pass).
	MaskUniModal
	// MaskCausal: queries see only queries; text at absolute position a sees
	// every query and keys ≤ a (ITG). With NQ = 0, a language model's causal
	// mask; with Past > 0, decoding over a KV cache.
	MaskCausal
)

// Attn describes one attention call.
type Attn struct {
	Heads int
	Scale float32 // 1/√D for BERT, OPT and the ViT; 1 for T5
	Mode  MaskMode
	NQ    int // query tokens ahead of the text, for the BLIP-2 masks
	Past  int // cached keys ahead of the new rows (decoding)
	// Bias, if not nil, is added to the scaled scores. Its rank says how it
	// broadcasts: (B, Tk) is key padding (0 for real keys, a large negative
	// value for padding); (H, Tq, Tk) a position bias shared by the batch;
	// (B, H, Tq, Tk) both at once (T5 with padding).
	Bias Tensor
}

// Backend runs the operations of the model on one device. Errors are
// sticky: an op that fails records the error, later ops are no-ops, and Err
// or Read report it.
type Backend interface {
	// Param returns the device copy of a bound weight, uploading it on
	// first use.
	Param(p *weights.Param) Tensor
	Upload(data []float32, shape ...int) Tensor
	Read(t Tensor) ([]float32, error)
	Free(ts ...Tensor)
	Err() error

	// Linear is x·wᵀ + b over the last axis: x (…, K), w (N, K), b (N) or
	// nil → (…, N).
	Linear(x, w, b Tensor) Tensor
	LayerNorm(x, w, b Tensor, eps float32) Tensor
	// RMSNorm is T5's LayerNorm: no mean, no bias.
	RMSNorm(x, w Tensor, eps float32) Tensor
	// Act applies an activation by its Hugging Face name: gelu (erf),
	// gelu_new (tanh), quick_gelu, relu.
	Act(x Tensor, fn string) Tensor
	Add(a, b Tensor) Tensor // b's elements tile a's (broadcast over leading axes)
	Mul(a, b Tensor) Tensor
	// Attention: q (B, Tq, H·D), k and v (B, Tk, H·D) → (B, Tq, H·D).
	Attention(q, k, v Tensor, a Attn) Tensor
	// Embed gathers rows of table (V, C) for ids → (len(ids), C).
	Embed(table Tensor, ids []int) Tensor
	// Rows takes n positions from start along axis 1 of x (B, T, C).
	Rows(x Tensor, start, n int) Tensor
	// Concat joins a (B, Ta, C) and b (B, Tb, C) along axis 1.
	Concat(a, b Tensor) Tensor
	// Select gathers rows of axis 0: out[i] = x[rows[i]] (beam search
	// reorders its caches with it).
	Select(x Tensor, rows []int) Tensor
	// Reshape views t with another shape of the same size.
	Reshape(t Tensor, shape ...int) Tensor
	// L2Normalize normalizes each row of the last axis (F.normalize).
	L2Normalize(x Tensor) Tensor
	// MaxOver and MeanOver reduce axis 1: (A, Q, C) → (A, C). ITC takes the
	// max over queries; ITM averages its logits over them.
	MaxOver(x Tensor) Tensor
	MeanOver(x Tensor) Tensor
	// Patches is the ViT's im2col: image (B, 3, S, S) → (B, (S/p)², 3·p·p).
	Patches(img Tensor, patch int) Tensor
}
