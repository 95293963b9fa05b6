package gpu

import (
	"blip2/model/cpu"

	"github.com/gogpu/wgpu"
)

// The _tex forms of the row kernels (LayerNorm, activations, a Linear's
// bias gradient, cross-entropy) read their operands through rgba32float
// textures on CPU-class adapters, where a texel fetch loads four values per
// lane and a storage-buffer load is a loop over the lanes
// (docs/kernels-norms.md).

// rowSlot is the texture slot of a row kernel's first texture operand
// (the next one takes the next slot), apart from the matmuls' (0, 1).
const rowSlot = 3

// texRows says whether the row kernels (LayerNorm, activations, bias
// gradient, cross-entropy) take their _tex forms for dense rows × cols on
// this adapter: on CPU-class adapters, when the rows can be copied into a
// texture.
func (d *Device) texRows(rows, cols int) bool {
	if d.Info.Class != "cpu" {
		return false
	}
	_, why := d.rowsTexture(rows, cols, rows*cols)
	return why == ""
}

// rowKernel is name, or name_tex for LayerNorm, the activations and the
// bias gradient where texRows allows it and there are at least
// texRowsMin rows.
func (d *Device) rowKernel(name string, rows, cols int) string {
	if rows >= texRowsMin && d.texRows(rows, cols) {
		return name + "_tex"
	}
	return name
}

// texRowsMin is the fewest rows for which LayerNorm, the activations and
// the bias gradient take their _tex forms. Each copy into a texture ends
// the compute pass, and on the few rows of captioning one image (16
// queries, a handful of beams) that cost more than the fetches saved: the
// Q-Former and the language model captioned 1.2–2× slower, natively and
// in SwiftShader. Training steps have 512 rows and more (stage 1 at batch
// 32: 16 queries or 24 tokens a pair).
const texRowsMin = 512

// rowsTexture is the region a _tex row kernel's texture holds for dense
// rows × cols in a buffer of n elements, or why they cannot be copied into
// one (the checks of the matmul operands: rows of a multiple of 64
// columns, within the adapter's texture size).
func (d *Device) rowsTexture(rows, cols, n int) (texRegion, string) {
	r, why, _ := d.texCopyable(cpu.Layout{Row: cols}, texOperand{rows, cols, "columns", false}, cpu.MatMulDims{Batch: 1, Inner: 1}, n)
	return r, why
}

// rowTextures copies each of ts (rows × cols, dense) into a texture of its
// own slot and returns their views, or nil after recording why it cannot.
func (d *Device) rowTextures(kernel string, rows, cols int, ts ...*Tensor) []*wgpu.TextureView {
	var views []*wgpu.TextureView
	for i, t := range ts {
		r, why := d.rowsTexture(rows, cols, t.n)
		if why != "" {
			d.failf("%s cannot take %v: %s", kernel, t.shape, why)
			return nil
		}
		v := d.copyToTexture(t, 0, r, rowSlot+i)
		if v == nil {
			return nil
		}
		views = append(views, v)
	}
	return views
}
