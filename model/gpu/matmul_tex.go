package gpu

import (
	"fmt"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"

	"blip2/model/cpu"
)

// texture is one rgba32float texture of the pool with its view.
type texture struct {
	tex  *wgpu.Texture
	view *wgpu.TextureView
}

// texKey names a pooled texture: its size in texels and which operand it
// holds, so that A and B of one product never share one.
type texKey struct{ w, h, slot int }

// textures keeps the operand textures of the _tex kernels, reused across
// products of the same shape: commands run in recorded order, so a later
// copy into a texture never overtakes an earlier dispatch that reads it.
type textures map[texKey]*texture

func (ts *textures) get(d *Device, w, h, slot int) *texture {
	if *ts == nil {
		*ts = textures{}
	}
	// lavapipe builds a pipeline variant per texture size class (power of
	// two or not, per dimension); power-of-two textures keep one variant per
	// kernel, compiled once, and let products of nearby shapes share them.
	w, h = ceilPow2(w), ceilPow2(h)
	k := texKey{w, h, slot}
	if t, ok := (*ts)[k]; ok {
		return t
	}
	tex, err := d.dev.CreateTexture(&wgpu.TextureDescriptor{Label: "matmul operand",
		Size:          wgpu.Extent3D{Width: uint32(w), Height: uint32(h), DepthOrArrayLayers: 1},
		MipLevelCount: 1, SampleCount: 1, Dimension: gputypes.TextureDimension2D, Format: gputypes.TextureFormatRGBA32Float,
		Usage: gputypes.TextureUsageTextureBinding | gputypes.TextureUsageCopyDst})
	if err != nil {
		d.fail(wrapGPU("create texture", err))
		return nil
	}
	view, err := d.dev.CreateTextureView(tex, nil)
	if err != nil {
		tex.Release()
		d.fail(wrapGPU("create texture view", err))
		return nil
	}
	t := &texture{tex, view}
	(*ts)[k] = t
	return t
}

func ceilPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

func (ts *textures) releaseAll() {
	for k, t := range *ts {
		t.view.Release()
		t.tex.Release()
		delete(*ts, k)
	}
}

// texOperand is one operand of a _tex kernel as it is stored: rows of the
// view become rows of the texture and its columns, four to a texel, the
// texels of a row. dim names the dimension along the columns, for refusals;
// partial says the kernel takes a partial last texel (it masks or never
// stores what lies past cols), so cols need not be a multiple of 4.
type texOperand struct {
	rows, cols int
	dim        string
	partial    bool
}

// texOperands gives the stored shapes of A and B for a _tex kernel, or
// ok = false if kernel reads no textures. The product sums over K, so K runs
// along the texels of an operand stored with K columns (A of NT and NN, B of
// NT) and down the rows of one stored with K rows (B of NN, both of TN).
func texOperands(kernel string, dims cpu.MatMulDims) (a, b texOperand, ok bool) {
	switch kernel {
	case "matmul_fwd_tex": // A (M×K), B (N×K)
		return texOperand{dims.M, dims.K, "K", false}, texOperand{dims.N, dims.K, "K", false}, true
	case "matmul_bwd_input_tex": // A (M×K), B (K×N)
		return texOperand{dims.M, dims.K, "K", true}, texOperand{dims.K, dims.N, "N", false}, true
	case "matmul_bwd_weight_tex": // A (K×M), B (K×N)
		return texOperand{dims.K, dims.M, "M", true}, texOperand{dims.K, dims.N, "N", false}, true
	}
	return texOperand{}, texOperand{}, false
}

// texStride is the row stride, in elements, of the copy of view l of o: a
// single row has no stride of its own, and WebGPU still wants a multiple of
// 256 bytes.
func texStride(l cpu.Layout, o texOperand) int {
	if o.rows == 1 {
		return (o.cols + 63) / 64 * 64
	}
	return l.Row
}

// texRegion is the stored region a _tex kernel's texture holds for one
// operand over every batch of a product: rows of stride elements from the
// first view's first element, texels of them per row.
type texRegion struct{ rows, texels, stride int }

// texCover returns the region of operand o's views under l over batch
// batches (z = outer·inner + inner index), or why they cannot share one:
// each view must start on a texel and stay inside its rows, which holds for
// the heads of a (B, T, H·D) tensor and for scores (B, H, T, S).
func texCover(l cpu.Layout, o texOperand, batch, inner int) (texRegion, string) {
	r := texRegion{stride: texStride(l, o)}
	texels := (o.cols + 3) / 4 // a partial last texel is read whole
	for z := 0; z < batch; z++ {
		e := l.Outer*(z/inner) + l.Inner*(z%inner)
		col := e % r.stride
		switch {
		case e%4 != 0:
			return r, fmt.Sprintf("batch %d starts at element %d, not on a texel", z, e)
		case col+4*texels > r.stride:
			return r, fmt.Sprintf("batch %d's rows cross the row stride %d", z, r.stride)
		}
		r.rows = max(r.rows, e/r.stride+o.rows)
		r.texels = max(r.texels, col/4+texels)
	}
	return r, ""
}

// texCopyable reports why views l of operand o over the batches of dims
// cannot be copied into one texture, or "" if they can: WebGPU copies whole
// 16-byte texels from a buffer offset that is a multiple of 16, with rows
// 256-byte aligned, into a texture no larger than the adapter allows (big
// then says that fewer batches at a time would fit). n is the buffer's
// length in elements.
func (d *Device) texCopyable(l cpu.Layout, o texOperand, dims cpu.MatMulDims, n int) (r texRegion, why string, big bool) {
	lim := int(d.Info.MaxTexture2D)
	switch {
	case o.cols%4 != 0 && !o.partial:
		return r, fmt.Sprintf("%s=%d is not a multiple of 4", o.dim, o.cols), false
	case l.Off%4 != 0:
		return r, fmt.Sprintf("view offset %d is not a multiple of 4", l.Off), false
	case texStride(l, o)%64 != 0:
		return r, fmt.Sprintf("row stride %d is not a multiple of 64", l.Row), false
	}
	r, why = texCover(l, o, dims.Batch, dims.Inner)
	switch {
	case why != "":
		return r, why, false
	case l.Off+(r.rows-1)*r.stride+4*r.texels > n:
		return r, fmt.Sprintf("%d rows of stride %d from %d overrun the buffer", r.rows, r.stride, l.Off), false
	case lim > 0 && (ceilPow2(r.rows) > lim || ceilPow2(r.texels) > lim):
		return r, fmt.Sprintf("%d×%d texels, rounded up to powers of two, exceed the adapter's %d", r.texels, r.rows, lim), true
	}
	return r, "", false
}

// texPlan is one dispatch of a _tex kernel: its product and the regions
// of A and B its textures hold.
type texPlan struct {
	dims cpu.MatMulDims
	a, b texRegion
}

// texUnsupported plans dims (Inner ≥ 1) over buffers of an and bn elements
// as one dispatch of the _tex kernel, or reports why it cannot run as one;
// big says that splitting the batches might help.
func (d *Device) texUnsupported(kernel string, dims cpu.MatMulDims, an, bn int) (p texPlan, why string, big bool) {
	ao, bo, ok := texOperands(kernel, dims)
	if !ok {
		return p, "no such texture kernel", false
	}
	p.dims = dims
	if p.a, why, big = d.texCopyable(dims.A, ao, dims, an); why != "" {
		return p, "A: " + why, big
	}
	if p.b, why, big = d.texCopyable(dims.B, bo, dims, bn); why != "" {
		return p, "B: " + why, big
	}
	// The backward kernels read and write C as vec4 (matmul_store_acc.wgsl);
	// N is a multiple of 4 already, as B's texel dimension.
	if kernel != "matmul_fwd_tex" && (dims.C.Off%4 != 0 || dims.M > 1 && dims.C.Row%4 != 0 ||
		dims.Batch > 1 && (dims.C.Outer%4 != 0 || dims.C.Inner%4 != 0)) {
		return p, fmt.Sprintf("C: offset %d or a stride (%d, %d, %d) is not a multiple of 4", dims.C.Off, dims.C.Row, dims.C.Outer, dims.C.Inner), false
	}
	return p, "", false
}

// texChunks splits dims into products over consecutive outer batches whose
// operands each fit a texture (ITM's scores, 96 pairs × heads × tokens
// rows, do not), or reports why the _tex kernel cannot take them.
func (d *Device) texChunks(kernel string, dims cpu.MatMulDims, an, bn int) ([]texPlan, string) {
	if dims.Inner <= 0 {
		dims.Inner = 1
	}
	p, why, big := d.texUnsupported(kernel, dims, an, bn)
	outer := dims.Batch / dims.Inner
	if why == "" {
		return []texPlan{p}, ""
	}
	if !big || outer < 2 || dims.Batch%dims.Inner != 0 {
		return nil, why
	}
	half := outer / 2
	first, err := d.texChunks(kernel, outerRange(dims, 0, half), an, bn)
	if err != "" {
		return nil, err
	}
	rest, err := d.texChunks(kernel, outerRange(dims, half, outer-half), an, bn)
	if err != "" {
		return nil, err
	}
	return append(first, rest...), ""
}

// outerRange is dims over outer batches from, from+n.
func outerRange(dims cpu.MatMulDims, from, n int) cpu.MatMulDims {
	dims.A.Off += dims.A.Outer * from
	dims.B.Off += dims.B.Outer * from
	dims.C.Off += dims.C.Outer * from
	dims.Batch = n * dims.Inner
	return dims
}

// texVariant names the kernel for product base (matmul_fwd, matmul_bwd_input,
// matmul_bwd_weight) on dims over buffers of an and bn elements: its _tex
// variant on CPU-class adapters when the views can be copied into textures,
// else MatMulVariant(base).
func (d *Device) texVariant(base string, dims cpu.MatMulDims, an, bn int) string {
	kernel := d.MatMulVariant(base)
	if kernel == base && d.Info.Class == "cpu" {
		if _, why := d.texChunks(base+"_tex", dims, an, bn); why == "" {
			return base + "_tex"
		}
	}
	return kernel
}

// copyToTexture records the copy of region r of t, from element off, into
// a pooled texture and returns its view.
func (d *Device) copyToTexture(t *Tensor, off int, r texRegion, slot int) *wgpu.TextureView {
	tx := d.textures.get(d, r.texels, r.rows, slot)
	enc := d.batch.encoder(d) // copies happen between compute passes
	if tx == nil || enc == nil {
		return nil
	}
	enc.CopyBufferToTexture(t.buf, tx.tex, []wgpu.BufferTextureCopy{{
		BufferLayout: wgpu.ImageDataLayout{Offset: uint64(4 * off), BytesPerRow: uint32(4 * r.stride), RowsPerImage: uint32(r.rows)},
		TextureBase:  wgpu.ImageCopyTexture{Texture: tx.tex},
		Size:         wgpu.Extent3D{Width: uint32(r.texels), Height: uint32(r.rows), DepthOrArrayLayers: 1},
	}})
	d.batch.use(t.buf)
	return tx.view
}

// matmulTex runs a _tex kernel after the checks of matmul, refusing views it
// cannot take; bufs are its buffer bindings (C, then the bias of the NT
// product, a stand-in when dims.Bias is off). Batches whose operands do not
// fit one texture run as several dispatches.
func (d *Device) matmulTex(op, kernel string, a, b *Tensor, dims cpu.MatMulDims, bufs []*Tensor) {
	plans, why := d.texChunks(kernel, dims, a.n, b.n)
	if why != "" {
		d.failf("%s: %s cannot take %s", op, kernel, why)
		return
	}
	tile := matmulTiles[kernel]
	for _, p := range plans {
		ch := p.dims
		av := d.copyToTexture(a, ch.A.Off, p.a, 0)
		bv := d.copyToTexture(b, ch.B.Off, p.b, 1)
		if av == nil || bv == nil {
			return
		}
		// The kernel finds each batch's view in the textures (matmul_tex.wgsl):
		// offsets count from the copied region, rows in the copy's stride.
		prm := toParams(ch)
		prm.AOff, prm.BOff, prm.ARow, prm.BRow = 0, 0, uint32(p.a.stride), uint32(p.b.stride)
		g := [3]uint32{uint32((ch.N + tile[1] - 1) / tile[1]), uint32((ch.M + tile[0] - 1) / tile[0]), uint32(ch.Batch)}
		d.profileFlops(ch)
		d.dispatch(kernel, g, prm, bufs, []*wgpu.TextureView{av, bv})
	}
}
