package gpu

// actTexParams mirrors shaders/lib/act_tex_params.wgsl.
type actTexParams struct{ Texels, Op, Stride, Width uint32 }

// ActKernel names the kernel Act runs for x of rows × cols (its last
// dimension) on this adapter: act_fwd_tex on CPU-class adapters when x can
// be copied into a texture (rows of a multiple of 64, within the adapter's
// texture size), else act_fwd. ActBackward follows it (act_bwd_tex with the
// first).
func (d *Device) ActKernel(rows, cols int) string {
	return d.rowKernel("act_fwd", rows, cols)
}

// actTex dispatches an act _tex kernel: outs are its storage outputs, ins
// (each of x's shape) are copied into textures of consecutive slots.
func (d *Device) actTex(kernel string, f Activation, outs []*Tensor, ins ...*Tensor) {
	x := ins[len(ins)-1]
	rows, cols := x.Rows(), x.Cols()
	views := d.rowTextures(kernel, rows, cols, ins...)
	if views == nil {
		return
	}
	texels := rows * cols / 4
	g, stride := Groups1D(texels, 64)
	d.dispatch(kernel, g, actTexParams{Texels: uint32(texels), Op: uint32(f), Stride: stride, Width: uint32(cols / 4)}, outs, views)
}
