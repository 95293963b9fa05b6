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
// texels of a row. dim names the dimension along the columns, for refusals.
type texOperand struct {
	rows, cols int
	dim        string
}

// texOperands gives the stored shapes of A and B for a _tex kernel, or
// ok = false if kernel reads no textures. The product sums over K, so K runs
// along the texels of an operand stored with K columns (A of NT and NN, B of
// NT) and down the rows of one stored with K rows (B of NN, both of TN).
func texOperands(kernel string, dims cpu.MatMulDims) (a, b texOperand, ok bool) {
	switch kernel {
	case "matmul_fwd_tex": // A (M×K), B (N×K)
		return texOperand{dims.M, dims.K, "K"}, texOperand{dims.N, dims.K, "K"}, true
	case "matmul_bwd_input_tex": // A (M×K), B (K×N)
		return texOperand{dims.M, dims.K, "K"}, texOperand{dims.K, dims.N, "N"}, true
	case "matmul_bwd_weight_tex": // A (K×M), B (K×N)
		return texOperand{dims.K, dims.M, "M"}, texOperand{dims.K, dims.N, "N"}, true
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

// texCopyable reports why view l of operand o cannot be copied into a
// texture, or "" if it can: WebGPU copies whole 16-byte texels from a buffer
// offset that is a multiple of 16, with rows 256-byte aligned, into a
// texture no larger than the adapter allows.
func (d *Device) texCopyable(l cpu.Layout, o texOperand) string {
	lim := int(d.Info.MaxTexture2D)
	switch {
	case o.cols%4 != 0:
		return fmt.Sprintf("%s=%d is not a multiple of 4", o.dim, o.cols)
	case l.Off%4 != 0:
		return fmt.Sprintf("view offset %d is not a multiple of 4", l.Off)
	case texStride(l, o)%64 != 0:
		return fmt.Sprintf("row stride %d is not a multiple of 64", l.Row)
	case lim > 0 && (ceilPow2(o.rows) > lim || ceilPow2(o.cols/4) > lim):
		return fmt.Sprintf("%d×%d texels, rounded up to powers of two, exceed the adapter's %d", o.cols/4, o.rows, lim)
	}
	return ""
}

// texUnsupported reports why dims cannot run on the _tex kernel, or "".
func (d *Device) texUnsupported(kernel string, dims cpu.MatMulDims) string {
	ao, bo, ok := texOperands(kernel, dims)
	switch {
	case !ok:
		return "no such texture kernel"
	case dims.Batch != 1:
		return fmt.Sprintf("%d batches (one only)", dims.Batch)
	}
	if why := d.texCopyable(dims.A, ao); why != "" {
		return "A: " + why
	}
	if why := d.texCopyable(dims.B, bo); why != "" {
		return "B: " + why
	}
	// The backward kernels read and write C as vec4 (matmul_store_acc.wgsl);
	// N is a multiple of 4 already, as B's texel dimension.
	if kernel != "matmul_fwd_tex" && (dims.C.Off%4 != 0 || dims.M > 1 && dims.C.Row%4 != 0) {
		return fmt.Sprintf("C: offset %d or row stride %d is not a multiple of 4", dims.C.Off, dims.C.Row)
	}
	return ""
}

// texVariant names the kernel for product base (matmul_fwd, matmul_bwd_input,
// matmul_bwd_weight) on dims: its _tex variant on CPU-class adapters when
// both views can be copied into textures, else MatMulVariant(base).
func (d *Device) texVariant(base string, dims cpu.MatMulDims) string {
	kernel := d.MatMulVariant(base)
	if kernel == base && d.Info.Class == "cpu" && d.texUnsupported(base+"_tex", dims) == "" {
		return base + "_tex"
	}
	return kernel
}

// copyToTexture records the copy of view l of operand o of t into a pooled
// texture and returns its view.
func (d *Device) copyToTexture(t *Tensor, l cpu.Layout, o texOperand, slot int) *wgpu.TextureView {
	tx := d.textures.get(d, o.cols/4, o.rows, slot)
	enc := d.batch.encoder(d) // copies happen between compute passes
	if tx == nil || enc == nil {
		return nil
	}
	enc.CopyBufferToTexture(t.buf, tx.tex, []wgpu.BufferTextureCopy{{
		BufferLayout: wgpu.ImageDataLayout{Offset: uint64(4 * l.Off), BytesPerRow: uint32(4 * texStride(l, o)), RowsPerImage: uint32(o.rows)},
		TextureBase:  wgpu.ImageCopyTexture{Texture: tx.tex},
		Size:         wgpu.Extent3D{Width: uint32(o.cols / 4), Height: uint32(o.rows), DepthOrArrayLayers: 1},
	}})
	d.batch.use(t.buf)
	return tx.view
}

// matmulTex runs a _tex kernel after the checks of matmul, refusing views it
// cannot take; bufs are its buffer bindings (C, then the bias of the NT
// product, a stand-in when dims.Bias is off).
func (d *Device) matmulTex(op, kernel string, a, b *Tensor, dims cpu.MatMulDims, bufs []*Tensor) {
	if why := d.texUnsupported(kernel, dims); why != "" {
		d.failf("%s: %s cannot take %s", op, kernel, why)
		return
	}
	ao, bo, _ := texOperands(kernel, dims)
	av := d.copyToTexture(a, dims.A, ao, 0)
	bv := d.copyToTexture(b, dims.B, bo, 1)
	if av == nil || bv == nil {
		return
	}
	tile := matmulTiles[kernel]
	g := [3]uint32{uint32((dims.N + tile[1] - 1) / tile[1]), uint32((dims.M + tile[0] - 1) / tile[0]), 1}
	d.dispatch(kernel, g, toParams(dims), bufs, []*wgpu.TextureView{av, bv})
}
