package nn

import "blip2/model/weights"

// Linear is y = x·Wᵀ + b with W stored (out, in) as PyTorch does.
type Linear struct {
	Weight weights.Param `w:"weight"`
	Bias   weights.Param `w:"bias"`
}

// NewLinear sets the shapes that binding checks.
func NewLinear(in, out int) Linear {
	return Linear{Weight: weights.Param{Shape: []int{out, in}}, Bias: weights.Param{Shape: []int{out}}}
}

func (l *Linear) Forward(b Backend, x Tensor) Tensor {
	return b.Linear(x, b.Param(&l.Weight), b.Param(&l.Bias))
}

// LinearNoBias is a Linear without bias (T5).
type LinearNoBias struct {
	Weight weights.Param `w:"weight"`
}

func NewLinearNoBias(in, out int) LinearNoBias {
	return LinearNoBias{Weight: weights.Param{Shape: []int{out, in}}}
}

func (l *LinearNoBias) Forward(b Backend, x Tensor) Tensor {
	return b.Linear(x, b.Param(&l.Weight), nil)
}

// LayerNorm with affine weight and bias.
type LayerNorm struct {
	Weight weights.Param `w:"weight"`
	Bias   weights.Param `w:"bias"`
	Eps    float32
}

func NewLayerNorm(dim int, eps float64) LayerNorm {
	return LayerNorm{Weight: weights.Param{Shape: []int{dim}}, Bias: weights.Param{Shape: []int{dim}}, Eps: float32(eps)}
}

func (n *LayerNorm) Forward(b Backend, x Tensor) Tensor {
	return b.LayerNorm(x, b.Param(&n.Weight), b.Param(&n.Bias), n.Eps)
}

// RMSNorm is T5's LayerNorm.
type RMSNorm struct {
	Weight weights.Param `w:"weight"`
	Eps    float32
}

func NewRMSNorm(dim int, eps float64) RMSNorm {
	return RMSNorm{Weight: weights.Param{Shape: []int{dim}}, Eps: float32(eps)}
}

func (n *RMSNorm) Forward(b Backend, x Tensor) Tensor {
	return b.RMSNorm(x, b.Param(&n.Weight), n.Eps)
}

// Dims returns the shape of t as (batch, rows, cols) for a 3-D tensor.
func Dims(t Tensor) (int, int, int) {
	s := t.Shape()
	return s[0], s[1], s[2]
}
