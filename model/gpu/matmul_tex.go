package gpu

import (
	"fmt"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"

	"blip2/model/cpu"
)

// texKernel is the matmul_fwd variant that reads A and B through textures.
const texKernel = "matmul_fwd_tex"

// texture is one rgba32float texture of the pool with its view.
type texture struct {
	tex  *wgpu.Texture
	view *wgpu.TextureView
}

// texKey names a pooled texture: its size in texels and which operand it
// holds, so that A and B of one product never share one.
type texKey struct{ w, h, slot int }

// textures keeps the operand textures of matmul_fwd_tex, reused across
// products of the same shape: commands run in recorded order, so a later
// copy into a texture never overtakes an earlier dispatch that reads it.
type textures map[texKey]*texture

func (ts *textures) get(d *Device, w, h, slot int) *texture {
	if *ts == nil {
		*ts = textures{}
	}
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

func (ts *textures) releaseAll() {
	for k, t := range *ts {
		t.view.Release()
		t.tex.Release()
		delete(*ts, k)
	}
}

// texCopyable reports why a rows×k view of one operand cannot be copied into
// a texture, or "" if it can: WebGPU copies whole 16-byte texels from a
// buffer offset that is a multiple of 16, with rows 256-byte aligned, into a
// texture no larger than the adapter allows.
func (d *Device) texCopyable(l cpu.Layout, rows, k int) string {
	lim := int(d.Info.MaxTexture2D)
	switch {
	case k%4 != 0:
		return fmt.Sprintf("K=%d is not a multiple of 4", k)
	case l.Off%4 != 0:
		return fmt.Sprintf("view offset %d is not a multiple of 4", l.Off)
	case rows > 1 && l.Row%64 != 0:
		return fmt.Sprintf("row stride %d is not a multiple of 64", l.Row)
	case lim > 0 && (rows > lim || k/4 > lim):
		return fmt.Sprintf("%d×%d texels exceed the adapter's %d", k/4, rows, lim)
	}
	return ""
}

// texUnsupported reports why dims cannot run on matmul_fwd_tex, or "".
func (d *Device) texUnsupported(dims cpu.MatMulDims) string {
	if dims.Batch != 1 {
		return fmt.Sprintf("%d batches (one only)", dims.Batch)
	}
	if why := d.texCopyable(dims.A, dims.M, dims.K); why != "" {
		return "A: " + why
	}
	if why := d.texCopyable(dims.B, dims.N, dims.K); why != "" {
		return "B: " + why
	}
	return ""
}

// copyToTexture records the copy of a rows×k view of t into a pooled
// texture and returns its view.
func (d *Device) copyToTexture(t *Tensor, l cpu.Layout, rows, k, slot int) *wgpu.TextureView {
	tx := d.textures.get(d, k/4, rows, slot)
	enc := d.batch.encoder(d) // copies happen between compute passes
	if tx == nil || enc == nil {
		return nil
	}
	stride := l.Row
	if rows == 1 {
		stride = k
	}
	enc.CopyBufferToTexture(t.buf, tx.tex, []wgpu.BufferTextureCopy{{
		BufferLayout: wgpu.ImageDataLayout{Offset: uint64(4 * l.Off), BytesPerRow: uint32(4 * stride), RowsPerImage: uint32(rows)},
		TextureBase:  wgpu.ImageCopyTexture{Texture: tx.tex},
		Size:         wgpu.Extent3D{Width: uint32(k / 4), Height: uint32(rows), DepthOrArrayLayers: 1},
	}})
	d.batch.use(t.buf)
	return tx.view
}

// matmulTex runs C = A·Bᵀ (+ bias) on matmul_fwd_tex, after the checks of
// matmul; bias is a stand-in when dims.Bias is off.
func (d *Device) matmulTex(c, a, b, bias *Tensor, dims cpu.MatMulDims) {
	if why := d.texUnsupported(dims); why != "" {
		d.failf("matmul NT: %s cannot take %s", texKernel, why)
		return
	}
	av := d.copyToTexture(a, dims.A, dims.M, dims.K, 0)
	bv := d.copyToTexture(b, dims.B, dims.N, dims.K, 1)
	if av == nil || bv == nil {
		return
	}
	tile := matmulTiles[texKernel]
	g := [3]uint32{uint32((dims.N + tile[1] - 1) / tile[1]), uint32((dims.M + tile[0] - 1) / tile[0]), 1}
	d.dispatch(texKernel, g, toParams(dims), []*Tensor{c, bias}, []*wgpu.TextureView{av, bv})
}
