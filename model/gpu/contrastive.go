package gpu

// Contrastive is the ITC loss of BLIP-2 stage 1 on one device: sim (B, B)
// holds the temperature-scaled image-to-text similarities (rows images,
// columns texts), the targets are the diagonal, both directions use label
// smoothing eps (0.1 in BLIP-2), and L_itc = (L_i2t + L_t2i)/2.
//
// It writes L_i2t and its row count to stats[slot], stats[slot+1] and L_t2i
// and its count to stats[slot+2], stats[slot+3], and returns the gradients
// of L_itc with respect to the i2t and the t2i logits separately, both laid
// out like sim (row i = image i, column j = text j). They stay separate
// because LAVIS detaches the gathered side of each direction: dI2T flows
// to the image features only and dT2I to the text features only (see the
// golden train README); a fully differentiable ITC would use their sum.
//
// Built from transpose2d_fwd, crossentropy_fwd, lossmean_fwd and
// crossentropy_bwd; no new kernel.
func (d *Device) Contrastive(sim, stats *Tensor, slot int, eps float32) (dI2T, dT2I *Tensor) {
	if len(sim.shape) != 2 || sim.shape[0] != sim.shape[1] || slot < 0 || slot+4 > stats.n {
		d.failf("contrastive: sim %v, stats %v slot %d: want a square (B,B) matrix and four stats slots", sim.shape, stats.shape, slot)
		return d.Scratch(sim.shape...), d.Scratch(sim.shape...)
	}
	b := sim.shape[0]
	diag := make([]int32, b)
	for i := range diag {
		diag[i] = int32(i)
	}
	labels := d.UploadLabels(diag, b)
	loss, lse := d.CrossEntropy(sim, labels, eps)
	d.LossMean(stats, loss, labels, slot)
	dI2T = d.CrossEntropyBackward(sim, labels, lse, stats, slot, eps, 0.5)
	loss.Release()
	lse.Release()

	simT := d.Transpose2D(sim) // rows texts, columns images
	loss, lse = d.CrossEntropy(simT, labels, eps)
	d.LossMean(stats, loss, labels, slot+2)
	dT := d.CrossEntropyBackward(simT, labels, lse, stats, slot+2, eps, 0.5)
	dT2I = d.Transpose2D(dT)
	for _, t := range []*Tensor{loss, lse, simT, dT, labels} {
		t.Release()
	}
	return dI2T, dT2I
}
