package blip2

import (
	"fmt"

	"blip2/model/nn"
	"blip2/model/weights"
)

// outputs collects named tensors read back from the backend.
type outputs struct {
	b   nn.Backend
	out []weights.Tensor
	err error
}

func (o *outputs) add(name string, ts ...nn.Tensor) {
	if o.err != nil {
		return
	}
	var data []float32
	for _, t := range ts {
		v, err := o.b.Read(t)
		if err != nil {
			o.err = fmt.Errorf("%s: %w", name, err)
			return
		}
		data = append(data, v...)
	}
	shape := ts[0].Shape()
	if len(ts) > 1 { // hidden states stacked on a new leading axis
		shape = append([]int{len(ts)}, shape...)
	}
	o.out = append(o.out, weights.Tensor{Name: name, DType: weights.F32, Shape: shape, Data: data})
}

func (o *outputs) addGenerated(suffix string, g *Generated) {
	rows, cols := len(g.IDs), len(g.IDs[0])
	ids := make([]int64, 0, rows*cols)
	for _, r := range g.IDs {
		for _, id := range r {
			ids = append(ids, int64(id))
		}
	}
	o.out = append(o.out, weights.Tensor{Name: "generated_ids" + suffix, DType: weights.I64, Shape: []int{rows, cols}, Data: ids})
	var sc []float32
	for _, step := range g.Scores {
		for _, row := range step {
			sc = append(sc, row...)
		}
	}
	o.out = append(o.out, weights.Tensor{Name: "generated_scores" + suffix, DType: weights.F32, Shape: []int{len(g.Scores), rows, len(g.Scores[0][0])}, Data: sc})
}

// ReferenceOutputs computes every output tensor a reference set defines,
// named, shaped and typed as its README says, from that set's inputs.
func (m *Model) ReferenceOutputs(b nn.Backend, in *Inputs) ([]weights.Tensor, error) {
	o := &outputs{b: b}
	pixels := b.Upload(in.Pixels, in.PixelShape...)
	defer b.Free(pixels)

	// Vision: the embeddings, every layer, and post_layernorm.
	vh, img := m.Vision.Forward(b, pixels)
	o.add("vision_embeddings", vh[0])
	o.add("vision_hidden_states", vh...)
	o.add("vision_encoder_output_pre_layernorm", vh[len(vh)-1])
	o.add("vision_last_hidden_state", img)
	batch, _, vd := nn.Dims(img)
	cls := b.Reshape(b.Rows(img, 0, 1), batch, vd)
	pooled := m.Vision.Post.Forward(b, cls) // HF normalizes the CLS row twice
	o.add("vision_pooler_output", pooled)
	b.Free(append(vh, cls, pooled)...)

	// Q-Former, image only.
	qh := m.QueryOutput(b, img)
	z := qh[len(qh)-1]
	o.add("qformer_embedding_output", qh[0])
	o.add("qformer_query_hidden_states", qh...)
	o.add("qformer_query_output", z)

	if m.Retrieval() && in.QFormerIDs != nil {
		m.retrievalOutputs(b, o, img, z, in)
	}
	if m.LangProj != nil {
		if err := m.languageOutputs(b, o, pixels, z, in); err != nil {
			return nil, err
		}
	}
	b.Free(qh...)
	b.Free(img)
	return o.done(b)
}

func (m *Model) retrievalOutputs(b nn.Backend, o *outputs, img, z nn.Tensor, in *Inputs) {
	ie := m.ImageEmbeds(b, z)
	o.add("itc_image_embeds", ie)
	emb, th := m.TextHidden(b, in.QFormerIDs, in.QFormerMask)
	last := th[len(th)-1]
	o.add("qformer_text_embeddings", emb)
	o.add("itc_text_last_hidden_state", last)
	te := m.TextEmbeds(b, last)
	o.add("itc_text_embeds", te)
	sim := m.Similarity(b, ie, te)
	o.add("itc_similarity", sim)
	itm := m.ITMHidden(b, img, in.QFormerIDs, in.QFormerMask)
	o.add("itm_qformer_last_hidden_state", itm)
	perQuery := m.ITMLogits(b, itm)
	o.add("itm_logits_per_query", perQuery)
	mean := b.MeanOver(perQuery)
	o.add("itm_logits", mean)
	b.Free(append(th, ie, emb, te, sim, itm, perQuery, mean)...)
}

// Similarity is ITC's score without temperature: for image i and text j,
// the max over queries of <image_embeds[i, q], text_embeds[j]> (Bi, Bt).
func (m *Model) Similarity(b nn.Backend, imageEmbeds, textEmbeds nn.Tensor) nn.Tensor {
	perQuery := b.Linear(imageEmbeds, textEmbeds, nil) // (Bi, Q, Bt)
	sim := b.MaxOver(perQuery)
	b.Free(perQuery)
	return sim
}

func (m *Model) languageOutputs(b nn.Backend, o *outputs, pixels, z nn.Tensor, in *Inputs) error {
	proj := m.LangProj.Forward(b, z)
	o.add("language_projection_output", proj)
	defer b.Free(proj)
	nq := m.Config.NumQueryTokens
	logits := func(ids, mask [][]int, hiddenName string) (nn.Tensor, error) {
		if m.OPT != nil {
			emb := m.OPT.EmbedTokens(b, ids)
			x := b.Concat(proj, emb)
			hidden, lg := m.OPT.Forward(b, x, joinMasks(ones(len(ids), nq), mask), nil)
			if hiddenName != "" {
				o.add(hiddenName, hidden...)
			}
			b.Free(append(hidden, emb, x)...)
			return lg, nil
		}
		if in.DecoderIDs == nil {
			return nil, fmt.Errorf("inputs: a T5 model needs decoder_input_ids")
		}
		emb := b.Reshape(b.Embed(b.Param(&m.T5.Shared), flatten(ids)), len(ids), len(ids[0]), m.T5.cfg.DModel)
		x := b.Concat(proj, emb)
		encMask := joinMasks(ones(len(ids), nq), mask)
		enc := m.T5.Encode(b, x, encMask)
		dec, lg := m.T5.Decode(b, in.DecoderIDs, enc[len(enc)-1], encMask, in.DecoderMask, nil)
		if hiddenName != "" {
			o.add("lm_encoder_hidden_states", enc...)
			o.add("lm_decoder_hidden_states", dec...)
		}
		b.Free(append(append(enc, dec...), emb)...)
		return lg, nil
	}
	if in.InputIDs != nil {
		lg, err := logits(in.InputIDs, in.AttentionMask, "lm_hidden_states")
		if err != nil {
			return err
		}
		o.add("lm_logits", lg)
		b.Free(lg)
	}
	if in.ImageTokenIDs != nil {
		// A legacy config does not name the image token; the expanded
		// layout then says it: it fills the first slots of every row.
		token := in.ImageTokenIDs[0][0]
		if m.Config.ImageTokenIndex != nil {
			token = *m.Config.ImageTokenIndex
		}
		ids, mask, err := stripImageTokens(in.ImageTokenIDs, in.ImageTokenMask, token, nq)
		if err != nil {
			return fmt.Errorf("input_ids_image_token_path: %w", err)
		}
		lg, err := logits(ids, mask, "")
		if err != nil {
			return err
		}
		o.add("lm_logits_image_token_path", lg)
		b.Free(lg)
	}
	opts := GenerateOptions{MaxNewTokens: 8}
	if in.GenIDs != nil {
		g, err := m.Generate(b, pixels, in.GenIDs, in.GenMask, opts)
		if err != nil {
			return err
		}
		o.addGenerated("", g)
	}
	if m.OPT != nil {
		g, err := m.Generate(b, pixels, nil, nil, opts)
		if err != nil {
			return err
		}
		o.addGenerated("_noprompt", g)
	}
	return nil
}
