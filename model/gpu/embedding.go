package gpu

type embeddingParams struct {
	N, V, C, Offset uint32
	Stride          uint32 // embedding_fwd: threads per grid row; embedding_bwd: table rows per part
	_, _, _         uint32
}

// UploadIDs uploads token or position ids after checking that every
// id + offset is a row of a table with `vocab` rows: the kernels cannot
// report a bad id (they write zeros), so this is where it is caught.
func (d *Device) UploadIDs(ids []uint32, vocab, offset int, shape ...int) *Tensor {
	for i, id := range ids {
		if int(id)+offset >= vocab {
			d.failf("ids: id %d at position %d (+ offset %d) is outside a table of %d rows", id, i, offset, vocab)
			break
		}
	}
	return d.UploadU32(ids, shape...)
}

// Embedding gathers rows ids+offset of table (V, C): ids of shape (…) give
// (…, C). Ids outside the table give rows of zeros (see UploadIDs). Kernel
// embedding_fwd; twin cpu.EmbeddingForward.
func (d *Device) Embedding(ids, table *Tensor, offset int) *Tensor {
	c := table.Cols()
	out := d.Scratch(append(ids.Shape(), c)...)
	if len(table.shape) != 2 || table.n == 0 || offset < 0 {
		d.failf("embedding: table %v must be (rows, cols), offset %d non-negative", table.shape, offset)
		return out
	}
	g, stride := Groups1D(ids.n*c, 256)
	d.Dispatch("embedding_fwd", g, embeddingParams{N: uint32(ids.n), V: uint32(table.Dim(0)), C: uint32(c), Offset: uint32(offset), Stride: stride}, out, ids, table)
	return out
}

// EmbeddingBackward returns the gradient of a table of shape (vocab, C) from
// dy (…, C) and the ids of the forward pass. Kernel embedding_bwd (on a
// cleared table); twin cpu.EmbeddingBackward.
func (d *Device) EmbeddingBackward(dy, ids *Tensor, vocab, offset int) *Tensor {
	dtable := d.Zeros(vocab, dy.Cols())
	d.EmbeddingBackwardAdd(dtable, dy, ids, offset)
	return dtable
}

// EmbeddingBackwardAdd adds the gradient of dy into dtable (V, C), for a
// table used more than once per step. Kernel embedding_bwd.
func (d *Device) EmbeddingBackwardAdd(dtable, dy, ids *Tensor, offset int) {
	c := dtable.Cols()
	if len(dtable.shape) != 2 || dtable.n == 0 || dy.n != ids.n*c || offset < 0 {
		d.failf("embedding backward: dtable %v, dy %v, ids %v: dy must be ids × %d columns", dtable.shape, dy.shape, ids.shape, c)
		return
	}
	v := dtable.Dim(0)
	// Split the table rows into parts when the columns alone give fewer
	// than ~1024 invocations. Every invocation scans all the ids, so parts
	// multiply the work: on lavapipe, 10 parts at 768 columns ran 3× slower
	// than one. BLIP-2's widths (768, 1408, 2560) get one part; narrow
	// tables (and the small parity cases) get several.
	parts := min(max(1, 1024/max(c, 1)), max(v, 1), 65535)
	per := (v + parts - 1) / parts
	parts = (v + per - 1) / per
	g := [3]uint32{uint32((c + 63) / 64), uint32(max(parts, 1)), 1}
	d.Dispatch("embedding_bwd", g, embeddingParams{N: uint32(ids.n), V: uint32(v), C: uint32(c), Offset: uint32(offset), Stride: uint32(per)}, dtable, dy, ids)
}
