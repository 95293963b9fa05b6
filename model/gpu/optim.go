package gpu

import "math"

type sumSqParams struct{ N, Slot, Groups, Chunk uint32 }

type clipScaleParams struct {
	N, Slot uint32
	MaxNorm float32
	_       uint32
}

type finiteParams struct{ N, Stride, Slot, _ uint32 }

type adamWParams struct {
	N, Stride, Slot                           uint32
	Decay, Beta1, Omb1, Beta2, Omb2, StepSize float32
	Bc2Sqrt, Eps                              float32
	_                                         uint32
}

// SumSqSlots is the number of partials slots SumSq fills for a tensor of n
// elements: one per 64 Ki elements, at most 256, at least 1. Size the
// partials buffer as the sum over the tensors of a clipping group.
func SumSqSlots(n int) int {
	return min(max((n+65535)/65536, 1), 256)
}

// SumSq writes the sum of squares of x, split into SumSqSlots(x.Len())
// chunks, into partials[slot:], and returns the next free slot.
// Kernel sumsq_fwd; twin cpu.SumSqForward.
func (d *Device) SumSq(partials, x *Tensor, slot int) int {
	groups := SumSqSlots(x.n)
	if slot < 0 || slot+groups > partials.n {
		d.failf("sumsq: %v into partials %v at slot %d: needs %d slots", x.shape, partials.shape, slot, groups)
		return slot + groups
	}
	chunk := (x.n + groups - 1) / groups
	d.Dispatch("sumsq_fwd", [3]uint32{uint32(groups), 1, 1}, sumSqParams{N: uint32(x.n), Slot: uint32(slot), Groups: uint32(groups), Chunk: uint32(chunk)}, partials, x)
	return slot + groups
}

// ClipScale reduces the first n partials to the global norm and writes
// clip_grad_norm_'s factor min(1, maxNorm/(norm+1e-6)) to stats[slot], a
// finite flag (1 or 0) to stats[slot+1] and the norm to stats[slot+2]; a
// maxNorm ≤ 0 means no clipping (factor 1, flag and norm still written).
// Kernel clipscale_fwd; twin cpu.ClipScaleForward.
func (d *Device) ClipScale(stats, partials *Tensor, n, slot int, maxNorm float32) {
	if n < 0 || n > partials.n || slot < 0 || slot+3 > stats.n {
		d.failf("clipscale: %d partials of %v into stats %v at slot %d: needs 3 slots", n, partials.shape, stats.shape, slot)
		return
	}
	d.Dispatch("clipscale_fwd", [3]uint32{1, 1, 1}, clipScaleParams{N: uint32(n), Slot: uint32(slot), MaxNorm: maxNorm}, stats, partials)
}

// FiniteCheck sets flags[slot] to 1.0 if x holds a NaN or an Inf; the
// slot must be 0 beforehand (use a buffer from Zeros).
// Kernel finitecheck_fwd; twin cpu.FiniteCheckForward.
func (d *Device) FiniteCheck(flags, x *Tensor, slot int) {
	if slot < 0 || slot >= flags.n {
		d.failf("finitecheck: slot %d outside flags %v", slot, flags.shape)
		return
	}
	g, stride := Groups1D(x.n, 256)
	d.Dispatch("finitecheck_fwd", g, finiteParams{N: uint32(x.n), Stride: stride, Slot: uint32(slot)}, flags, x)
}

// AdamW holds torch.optim.AdamW's hyper-parameters. WeightDecay is per
// call of AdamWStep, since the parameter groups decide it per tensor.
type AdamW struct {
	LR, Beta1, Beta2, Eps float64
}

// AdamWStep applies step t (1-based) of AdamW to p in place, with its
// moment buffers m and v (zeros before the first step) and gradient g
// scaled by stats[slot]; if stats[slot+1] is 0 the step is skipped (see
// ClipScale, which writes both). The float32 constants are formed in
// float64, as PyTorch forms them in Python.
// Kernel adamw_step; twin cpu.AdamWStep.
func (d *Device) AdamWStep(p, m, v, g, stats *Tensor, slot int, o AdamW, weightDecay float64, t int) {
	if m.n != p.n || v.n != p.n || g.n != p.n || slot < 0 || slot+2 > stats.n || t < 1 {
		d.failf("adamw: p %v, m %v, v %v, g %v, stats %v slot %d, step %d: want equal sizes, two stats slots, step ≥ 1", p.shape, m.shape, v.shape, g.shape, stats.shape, slot, t)
		return
	}
	bc1 := 1 - math.Pow(o.Beta1, float64(t))
	bc2 := 1 - math.Pow(o.Beta2, float64(t))
	gr, stride := Groups1D(p.n, 256)
	d.Dispatch("adamw_step", gr, adamWParams{
		N: uint32(p.n), Stride: stride, Slot: uint32(slot),
		Decay: float32(1 - o.LR*weightDecay), Beta1: float32(o.Beta1), Omb1: float32(1 - o.Beta1),
		Beta2: float32(o.Beta2), Omb2: float32(1 - o.Beta2), StepSize: float32(o.LR / bc1),
		Bc2Sqrt: float32(math.Sqrt(bc2)), Eps: float32(o.Eps),
	}, p, m, v, g, stats)
}
