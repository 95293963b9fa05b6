package cpu

import (
	"blip2/model/nn"
)

func (b *Backend) LayerNorm(x, w, bias nn.Tensor, eps float32) nn.Tensor {
	xt := host(x)
	rows, cols := lastDim(xt.shape)
	out := b.newLike(xt.shape)
	LayerNormForward(out.Data, make([]float32, rows), make([]float32, rows), xt.Data, host(w).Data, host(bias).Data, rows, cols, eps)
	return out
}

func (b *Backend) RMSNorm(x, w nn.Tensor, eps float32) nn.Tensor {
	xt := host(x)
	rows, cols := lastDim(xt.shape)
	out := b.newLike(xt.shape)
	RMSNormForward(out.Data, make([]float32, rows), xt.Data, host(w).Data, rows, cols, eps)
	return out
}

// actOps maps Hugging Face activation names to act_fwd's op codes.
var actOps = map[string]int{"relu": ActReLU, "gelu": ActGELU, "gelu_new": ActGELUTanh, "gelu_pytorch_tanh": ActGELUTanh, "quick_gelu": ActQuickGELU}

// ActOp returns act_fwd's op code for a Hugging Face activation name.
func ActOp(name string) (int, bool) {
	op, ok := actOps[name]
	return op, ok
}

func (b *Backend) Act(x nn.Tensor, fn string) nn.Tensor {
	xt := host(x)
	op, ok := actOps[fn]
	if !ok {
		b.fail("unknown activation %q", fn)
		return xt
	}
	out := b.newLike(xt.shape)
	ActForward(out.Data, xt.Data, len(xt.Data), op)
	return out
}

func (b *Backend) binary(a, c nn.Tensor, f func(out, a, b []float32, n, bn int), op string) nn.Tensor {
	at, ct := host(a), host(c)
	if len(ct.Data) == 0 || len(at.Data)%len(ct.Data) != 0 {
		b.fail("%s: %v and %v do not broadcast", op, at.shape, ct.shape)
		return at
	}
	out := b.newLike(at.shape)
	f(out.Data, at.Data, ct.Data, len(at.Data), len(ct.Data))
	return out
}

func (b *Backend) Add(a, c nn.Tensor) nn.Tensor { return b.binary(a, c, AddForward, "add") }
func (b *Backend) Mul(a, c nn.Tensor) nn.Tensor { return b.binary(a, c, MulForward, "mul") }

func (b *Backend) Embed(table nn.Tensor, ids []int) nn.Tensor {
	tt := host(table)
	v, c := tt.shape[0], numel(tt.shape[1:])
	u := make([]uint32, len(ids))
	for i, id := range ids {
		if id < 0 || id >= v {
			b.fail("embed: id %d outside the table's %d rows", id, v)
			return b.newLike([]int{len(ids), c})
		}
		u[i] = uint32(id)
	}
	out := b.newLike([]int{len(ids), c})
	EmbeddingForward(out.Data, u, tt.Data, len(ids), v, c, 0)
	return out
}

func (b *Backend) Rows(x nn.Tensor, start, n int) nn.Tensor {
	xt := host(x)
	bt, t, c := xt.shape[0], xt.shape[1], numel(xt.shape[2:])
	if start < 0 || start+n > t {
		b.fail("rows %d..%d of %v", start, start+n, xt.shape)
		return xt
	}
	out := b.newLike(append([]int{bt, n}, xt.shape[2:]...))
	for i := 0; i < bt; i++ {
		copy(out.Data[i*n*c:(i+1)*n*c], xt.Data[(i*t+start)*c:(i*t+start+n)*c])
	}
	return out
}

func (b *Backend) Concat(x, y nn.Tensor) nn.Tensor {
	xt, yt := host(x), host(y)
	bt, ta, tb, c := xt.shape[0], xt.shape[1], yt.shape[1], numel(xt.shape[2:])
	if yt.shape[0] != bt || numel(yt.shape[2:]) != c {
		b.fail("concat %v and %v", xt.shape, yt.shape)
		return xt
	}
	out := b.newLike(append([]int{bt, ta + tb}, xt.shape[2:]...))
	for i := 0; i < bt; i++ {
		o := out.Data[i*(ta+tb)*c:]
		copy(o, xt.Data[i*ta*c:(i+1)*ta*c])
		copy(o[ta*c:], yt.Data[i*tb*c:(i+1)*tb*c])
	}
	return out
}

func (b *Backend) Reshape(t nn.Tensor, shape ...int) nn.Tensor {
	tt := host(t)
	if numel(shape) != len(tt.Data) {
		b.fail("reshape %v to %v", tt.shape, shape)
		return tt
	}
	return &Tensor{Data: tt.Data, shape: append([]int(nil), shape...)}
}

func (b *Backend) L2Normalize(x nn.Tensor) nn.Tensor {
	xt := host(x)
	rows, cols := lastDim(xt.shape)
	out := b.newLike(xt.shape)
	L2NormForward(out.Data, xt.Data, rows, cols, 1e-12)
	return out
}

func (b *Backend) Patches(img nn.Tensor, p int) nn.Tensor {
	it := host(img)
	bt, ch, h, w := it.shape[0], it.shape[1], it.shape[2], it.shape[3]
	out := b.newLike([]int{bt, (h / p) * (w / p), ch * p * p})
	Im2ColForward(out.Data, it.Data, bt, ch, h, w, p)
	return out
}

// Attention maps nn.Attn onto attention_fwd's twin; the bias's rank gives
// its broadcast strides.
func (b *Backend) Attention(q, k, v nn.Tensor, a nn.Attn) nn.Tensor {
	qt, kt, vt := host(q), host(k), host(v)
	bt, tq, c := qt.shape[0], qt.shape[1], qt.shape[2]
	tk := kt.shape[1]
	if a.Heads <= 0 || c%a.Heads != 0 || kt.shape[0] != bt || kt.shape[2] != c || vt.shape[1] != tk {
		b.fail("attention: q %v, k %v, v %v with %d heads", qt.shape, kt.shape, vt.shape, a.Heads)
		return qt
	}
	p := AttentionParams{B: bt, Tq: tq, Tk: tk, H: a.Heads, D: c / a.Heads, Scale: a.Scale, Mode: MaskMode(a.Mode), NQ: a.NQ, Past: a.Past}
	var bias []float32
	if a.Bias != nil {
		bs := host(a.Bias)
		bias = bs.Data
		switch len(bs.shape) {
		case 2: // (B, Tk) key padding
			p.SB = tk
		case 3: // (H, Tq, Tk)
			p.SH, p.SI = tq*tk, tk
		case 4: // (B, H, Tq, Tk)
			p.SB, p.SH, p.SI = a.Heads*tq*tk, tq*tk, tk
		default:
			b.fail("attention: bias of shape %v", bs.shape)
			return qt
		}
	}
	out := b.newLike(qt.shape)
	AttentionForward(out.Data, make([]float32, bt*a.Heads*tq), qt.Data, kt.Data, vt.Data, bias, p)
	return out
}

// Linear is x·wᵀ + bias over the last axis.
func (b *Backend) Linear(x, w, bias nn.Tensor) nn.Tensor {
	xt, wt := host(x), host(w)
	rows, k := lastDim(xt.shape)
	if len(wt.shape) != 2 || wt.shape[1] != k {
		b.fail("linear: x %v, w %v", xt.shape, wt.shape)
		return xt
	}
	n := wt.shape[0]
	shape := append(append([]int(nil), xt.shape[:len(xt.shape)-1]...), n)
	out := b.newLike(shape)
	var bd []float32
	if bias != nil {
		bd = host(bias).Data
	}
	d := DenseNT(1, rows, n, k, true)
	d.Bias = bd != nil
	MatMulForward(out.Data, xt.Data, wt.Data, bd, d)
	return out
}

func (b *Backend) reduce3(x nn.Tensor) (*Tensor, int, int, int) {
	xt := host(x)
	if len(xt.shape) != 3 {
		b.fail("reduction over axis 1 of %v: want 3 dimensions", xt.shape)
		return xt, 0, 0, 0
	}
	return xt, xt.shape[0], xt.shape[1], xt.shape[2]
}

func (b *Backend) MaxOver(x nn.Tensor) nn.Tensor {
	xt, a, q, c := b.reduce3(x)
	out := b.newLike([]int{a, c})
	MaxRowsForward(out.Data, make([]uint32, a*c), xt.Data, a, q, c)
	return out
}

func (b *Backend) MeanOver(x nn.Tensor) nn.Tensor {
	xt, a, q, c := b.reduce3(x)
	out := b.newLike([]int{a, c})
	MeanRowsForward(out.Data, xt.Data, a, q, c)
	return out
}

func (b *Backend) Select(x nn.Tensor, rows []int) nn.Tensor {
	xt := host(x)
	n := numel(xt.shape[1:])
	out := b.newLike(append([]int{len(rows)}, xt.shape[1:]...))
	for i, r := range rows {
		if r < 0 || r >= xt.shape[0] {
			b.fail("select row %d of %v", r, xt.shape)
			return out
		}
		copy(out.Data[i*n:(i+1)*n], xt.Data[r*n:(r+1)*n])
	}
	return out
}
