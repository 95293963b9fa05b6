package blip2

import "blip2/model/nn"

// QueryOutput runs the image-only Q-Former pass: the learned queries,
// layer-normed, cross-attending to the image features. It returns the
// hidden states; the last is Z (B, Q, h).
func (m *Model) QueryOutput(b nn.Backend, image nn.Tensor) []nn.Tensor {
	batch := image.Shape()[0]
	q := repeat(b, &m.QueryTokens, batch, m.Config.NumQueryTokens, m.Config.QFormer.HiddenSize)
	hidden := m.QFormer.Forward(b, QFormerInput{Embeds: q, NQ: m.Config.NumQueryTokens, Image: image})
	b.Free(q)
	return hidden
}

// ImageEmbeds is ITC's image side: normalize(vision_projection(Z)) per query
// (B, Q, d).
func (m *Model) ImageEmbeds(b nn.Backend, z nn.Tensor) nn.Tensor {
	p := m.VisionProj.Forward(b, z)
	out := b.L2Normalize(p)
	b.Free(p)
	return out
}

// TextHidden runs the text-only Q-Former pass over ids (B, T) with padding
// mask (B, T): bidirectional, text feed-forward, no cross-attention. It
// returns the text embeddings and the hidden states.
func (m *Model) TextHidden(b nn.Backend, ids, mask [][]int) (embeds nn.Tensor, hidden []nn.Tensor) {
	embeds = m.TextEmbed.Forward(b, ids)
	km := keyMask(b, mask)
	hidden = m.QFormer.Forward(b, QFormerInput{Embeds: embeds, KeyMask: km})
	b.Free(km)
	return embeds, hidden
}

// TextEmbeds is ITC's text side: normalize(text_projection(h[:, 0])) (B, d).
func (m *Model) TextEmbeds(b nn.Backend, last nn.Tensor) nn.Tensor {
	batch, _, h := nn.Dims(last)
	cls := b.Reshape(b.Rows(last, 0, 1), batch, h)
	p := m.TextProj.Forward(b, cls)
	out := b.L2Normalize(p)
	b.Free(cls, p)
	return out
}

// ITMHidden runs the joint pass for ITM: [queries; text] with the
// bi-directional mask, queries cross-attending to the image. It returns the
// last hidden state (B, Q+T, h).
func (m *Model) ITMHidden(b nn.Backend, image nn.Tensor, ids, mask [][]int) nn.Tensor {
	batch, nq, h := len(ids), m.Config.NumQueryTokens, m.Config.QFormer.HiddenSize
	q := repeat(b, &m.QueryTokens, batch, nq, h)
	t := m.TextEmbed.Forward(b, ids)
	x := b.Concat(q, t)
	km := keyMask(b, joinMasks(ones(batch, nq), mask))
	hidden := m.QFormer.Forward(b, QFormerInput{Embeds: x, NQ: nq, Image: image, KeyMask: km})
	b.Free(q, t, x, km)
	for _, t := range hidden[:len(hidden)-1] {
		b.Free(t)
	}
	return hidden[len(hidden)-1]
}

// ITMLogits applies the ITM head to each query position: (B, Q, 2).
func (m *Model) ITMLogits(b nn.Backend, last nn.Tensor) nn.Tensor {
	q := b.Rows(last, 0, m.Config.NumQueryTokens)
	out := m.ITMHead.Forward(b, q)
	b.Free(q)
	return out
}
