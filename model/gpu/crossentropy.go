package gpu

// IgnoreIndex is the label that leaves a row out of a cross-entropy loss,
// PyTorch's default ignore_index.
const IgnoreIndex int32 = -100

type crossEntropyParams struct {
	Rows, Cols uint32
	Ignore     int32
	Eps        float32
	GX         uint32
	_, _, _    uint32
}

type crossEntropyBwdParams struct {
	Rows, Cols uint32
	Ignore     int32
	Eps, G     float32
	Slot, GX   uint32
	_          uint32
}

type lossMeanParams struct {
	Rows   uint32
	Ignore int32
	Slot   uint32
	_      uint32
}

// UploadLabels copies class labels into a tensor of i32 words, the layout
// the cross-entropy kernels read; IgnoreIndex (−100) marks rows left out.
func (d *Device) UploadLabels(labels []int32, shape ...int) *Tensor {
	words := make([]uint32, len(labels))
	for i, l := range labels {
		words[i] = uint32(l) // two's complement: the kernel reads the word back as i32
	}
	return d.UploadU32(words, shape...)
}

// rowGroups spreads one workgroup per row over x and y (65535 per
// dimension); kernels recover the row as wid.y·gx + wid.x.
func rowGroups(rows int) (groups [3]uint32, gx uint32) {
	x, y := max(rows, 1), 1
	if x > 65535 {
		x, y = 65535, (rows+65534)/65535
	}
	return [3]uint32{uint32(x), uint32(y), 1}, uint32(x)
}

// CrossEntropy returns the per-row smoothed cross-entropy of logits
// (..., C) against labels (one i32 per row, IgnoreIndex to skip a row) and
// the per-row logsumexp that CrossEntropyBackward needs. Both are (rows).
// Kernels: on CPU-class adapters, crossentropy_fwd_tex when the logits can
// be copied into a texture (rows of a multiple of 64 classes), else
// crossentropy_fwd_rows for rows of up to rowsCEMaxCols; elsewhere
// crossentropy_fwd. Twin cpu.CrossEntropyForward.
func (d *Device) CrossEntropy(logits, labels *Tensor, eps float32) (loss, lse *Tensor) {
	return d.CrossEntropyWith(d.CrossEntropyKernel(logits.Rows(), logits.Cols()), logits, labels, eps)
}

// CrossEntropyKernel names the kernel CrossEntropy runs for logits of
// rows × cols on this adapter.
func (d *Device) CrossEntropyKernel(rows, cols int) string {
	switch {
	case d.texRows(rows, cols):
		return "crossentropy_fwd_tex"
	case d.Info.Class == "cpu" && cols <= rowsCEMaxCols:
		return "crossentropy_fwd_rows"
	}
	return "crossentropy_fwd"
}

// rowsCEMaxCols is the longest row crossentropy_fwd_rows takes: a thread
// per row beat the workgroup per row by 30-300× up to 8,000 classes on
// lavapipe, where even 64 rows fill one core only; past it the workgroup
// kernel's threads read the long rows (docs/kernels-train.md).
const rowsCEMaxCols = 8192

// CrossEntropyWith is CrossEntropy on a named kernel (parity tests run
// both).
func (d *Device) CrossEntropyWith(kernel string, logits, labels *Tensor, eps float32) (loss, lse *Tensor) {
	rows, cols := logits.Rows(), logits.Cols()
	loss, lse = d.Scratch(rows), d.Scratch(rows)
	if labels.Len() != rows || cols == 0 {
		d.failf("crossentropy: logits %v with labels %v: want one label per row of logits", logits.shape, labels.shape)
		return
	}
	prm := crossEntropyParams{Rows: uint32(rows), Cols: uint32(cols), Ignore: IgnoreIndex, Eps: eps}
	switch kernel {
	case "crossentropy_fwd":
		g, gx := rowGroups(rows)
		prm.GX = gx
		d.Dispatch(kernel, g, prm, loss, lse, logits, labels)
		return
	case "crossentropy_fwd_rows":
		g, stride := Groups1D(rows, 64)
		prm.GX = stride
		d.Dispatch(kernel, g, prm, loss, lse, logits, labels)
		return
	}
	// One thread per row (crossentropy_fwd_tex.wgsl says why).
	if views := d.rowTextures(kernel, rows, cols, logits); views != nil {
		g, stride := Groups1D(rows, 64)
		prm.GX = stride
		d.dispatch(kernel, g, prm, []*Tensor{loss, lse, labels}, views)
	}
	return
}

// LossMean writes the mean of per-row losses over the non-ignored rows into
// stats[slot] and their count into stats[slot+1], where
// CrossEntropyBackward reads it. stats is a small f32 buffer that gathers a
// step's losses, counts and finite flags for one readback.
// Kernel lossmean_fwd; twin cpu.LossMeanForward.
func (d *Device) LossMean(stats, loss, labels *Tensor, slot int) {
	if loss.Len() != labels.Len() || slot < 0 || slot+2 > stats.Len() {
		d.failf("lossmean: loss %v, labels %v, stats %v slot %d: want as many labels as losses and two free slots", loss.shape, labels.shape, stats.shape, slot)
		return
	}
	d.Dispatch("lossmean_fwd", [3]uint32{1, 1, 1}, lossMeanParams{Rows: uint32(loss.Len()), Ignore: IgnoreIndex, Slot: uint32(slot)}, stats, loss, labels)
}

// CrossEntropyBackward returns dlogits, the gradient of g times the mean
// loss that LossMean left in stats[slot], with respect to logits.
// Kernel crossentropy_bwd; twin cpu.CrossEntropyBackward.
func (d *Device) CrossEntropyBackward(logits, labels, lse, stats *Tensor, slot int, eps, g float32) *Tensor {
	rows, cols := logits.Rows(), logits.Cols()
	dl := d.Scratch(logits.shape...)
	if labels.Len() != rows || lse.Len() != rows || cols == 0 || slot < 0 || slot+2 > stats.Len() {
		d.failf("crossentropy_bwd: logits %v, labels %v, lse %v, stats %v slot %d: want one label and one lse per row and the count at stats[slot+1]", logits.shape, labels.shape, lse.shape, stats.shape, slot)
		return dl
	}
	gr, gx := rowGroups(rows)
	d.Dispatch("crossentropy_bwd", gr, crossEntropyBwdParams{Rows: uint32(rows), Cols: uint32(cols), Ignore: IgnoreIndex, Eps: eps, G: g, Slot: uint32(slot), GX: gx}, dl, logits, labels, lse, stats)
	return dl
}
