package gpu

import "blip2/model/cpu"

// Activation selects the function of act_fwd and act_bwd.
type Activation uint32

// The values are the kernels' p.op, shared with the twins.
const (
	ReLU      Activation = cpu.ActReLU
	GELU      Activation = cpu.ActGELU      // exact (erf) GELU
	GELUTanh  Activation = cpu.ActGELUTanh  // HF "gelu_new"
	QuickGELU Activation = cpu.ActQuickGELU // x·sigmoid(1.702x)
	Erf       Activation = cpu.ActErf       // erf itself
)

type actParams struct{ N, Op, Stride, _ uint32 }

// Act returns f(x) elementwise. Kernel act_fwd, or act_fwd_tex where
// ActKernel chooses it; twin cpu.ActForward.
func (d *Device) Act(f Activation, x *Tensor) *Tensor {
	return d.ActWith(d.ActKernel(x.Rows(), x.Cols()), f, x)
}

// ActWith is Act on a named kernel (parity tests run both).
func (d *Device) ActWith(kernel string, f Activation, x *Tensor) *Tensor {
	out := d.Scratch(x.shape...)
	if f > Erf {
		d.failf("act: unknown activation %d", f)
		return out
	}
	if kernel == "act_fwd_tex" {
		d.actTex(kernel, f, []*Tensor{out}, x)
		return out
	}
	g, stride := Groups1D(x.n, 256)
	d.Dispatch(kernel, g, actParams{N: uint32(x.n), Op: uint32(f), Stride: stride}, out, x)
	return out
}

// ActBackward returns dy·f'(x). Kernel act_bwd, or act_bwd_tex where
// ActKernel chooses act_fwd_tex; twin cpu.ActBackward.
func (d *Device) ActBackward(f Activation, dy, x *Tensor) *Tensor {
	return d.ActBackwardWith(d.rowKernel("act_bwd", x.Rows(), x.Cols()), f, dy, x)
}

// ActBackwardWith is ActBackward on a named kernel.
func (d *Device) ActBackwardWith(kernel string, f Activation, dy, x *Tensor) *Tensor {
	dx := d.Scratch(x.shape...)
	if f > Erf || dy.n != x.n {
		d.failf("act backward: activation %d, dy %v, x %v: dy must match x", f, dy.shape, x.shape)
		return dx
	}
	if kernel == "act_bwd_tex" {
		d.actTex(kernel, f, []*Tensor{dx}, dy, x)
		return dx
	}
	g, stride := Groups1D(x.n, 256)
	d.Dispatch(kernel, g, actParams{N: uint32(x.n), Op: uint32(f), Stride: stride}, dx, dy, x)
	return dx
}
