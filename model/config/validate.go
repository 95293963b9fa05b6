package config

import (
	"errors"
	"fmt"
)

// Validate checks the values the forward passes rely on, so a bad config
// fails at load time with the field's name rather than deep in a kernel.
func (c *Blip2Config) Validate() error {
	var errs []error
	positive := func(field string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("config: %s must be positive, got %d", field, v))
		}
	}
	divisible := func(what string, hidden, heads int) {
		if heads > 0 && hidden%heads != 0 {
			errs = append(errs, fmt.Errorf("config: %s hidden size %d is not a multiple of %d heads", what, hidden, heads))
		}
	}
	if (c.OPT == nil) == (c.T5 == nil) {
		errs = append(errs, errors.New("config: exactly one of the OPT and T5 text configs must be set"))
	}
	positive("num_query_tokens", c.NumQueryTokens)
	positive("image_text_hidden_size", c.ImageTextHiddenSize)

	v := c.Vision
	positive("vision_config.hidden_size", v.HiddenSize)
	positive("vision_config.intermediate_size", v.IntermediateSize)
	positive("vision_config.num_hidden_layers", v.NumHiddenLayers)
	positive("vision_config.num_attention_heads", v.NumAttentionHeads)
	positive("vision_config.patch_size", v.PatchSize)
	if v.PatchSize > 0 && v.ImageSize < v.PatchSize {
		errs = append(errs, fmt.Errorf("config: vision_config.image_size %d is smaller than patch_size %d", v.ImageSize, v.PatchSize))
	}
	divisible("vision_config", v.HiddenSize, v.NumAttentionHeads)

	q := c.QFormer
	positive("qformer_config.hidden_size", q.HiddenSize)
	positive("qformer_config.intermediate_size", q.IntermediateSize)
	positive("qformer_config.num_hidden_layers", q.NumHiddenLayers)
	positive("qformer_config.num_attention_heads", q.NumAttentionHeads)
	positive("qformer_config.cross_attention_frequency", q.CrossAttentionFrequency)
	positive("qformer_config.vocab_size", q.VocabSize)
	positive("qformer_config.max_position_embeddings", q.MaxPositionEmbeddings)
	divisible("qformer_config", q.HiddenSize, q.NumAttentionHeads)
	if q.PositionEmbeddingType != "absolute" {
		errs = append(errs, fmt.Errorf("config: qformer_config.position_embedding_type %q is not supported (only \"absolute\")", q.PositionEmbeddingType))
	}

	if o := c.OPT; o != nil {
		positive("text_config.hidden_size", o.HiddenSize)
		positive("text_config.ffn_dim", o.FFNDim)
		positive("text_config.num_hidden_layers", o.NumHiddenLayers)
		positive("text_config.num_attention_heads", o.NumAttentionHeads)
		positive("text_config.vocab_size", o.VocabSize)
		positive("text_config.max_position_embeddings", o.MaxPositionEmbeddings)
		positive("text_config.word_embed_proj_dim", o.WordEmbedProjDim)
		divisible("text_config", o.HiddenSize, o.NumAttentionHeads)
	}
	if t := c.T5; t != nil {
		positive("text_config.d_model", t.DModel)
		positive("text_config.d_kv", t.DKV)
		positive("text_config.d_ff", t.DFF)
		positive("text_config.num_layers", t.NumLayers)
		positive("text_config.num_decoder_layers", t.NumDecoderLayers)
		positive("text_config.num_heads", t.NumHeads)
		positive("text_config.vocab_size", t.VocabSize)
		positive("text_config.relative_attention_num_buckets", t.RelativeAttentionNumBuckets)
		positive("text_config.relative_attention_max_distance", t.RelativeAttentionMaxDistance)
	}
	return errors.Join(errs...)
}

// TextHiddenSize is the language model width, the output size of the
// language_projection.
func (c *Blip2Config) TextHiddenSize() int {
	if c.T5 != nil {
		return c.T5.DModel
	}
	if c.OPT != nil {
		return c.OPT.HiddenSize
	}
	return 0
}
