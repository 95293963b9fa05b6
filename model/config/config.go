// Package config reads a Hugging Face BLIP-2 config.json. save_pretrained
// writes only the values that differ from the class defaults, so loading
// starts from the defaults of transformers v4.45 (Blip2VisionConfig,
// Blip2QFormerConfig, OPTConfig, T5Config, Blip2Config) and overlays the
// file. JSON field names are the Hugging Face ones, so a resolved config
// marshals back to the same keys as config.to_dict().
package config

// VisionConfig is Blip2VisionConfig: the EVA-style ViT.
type VisionConfig struct {
	ModelType         string  `json:"model_type"`
	HiddenSize        int     `json:"hidden_size"`
	IntermediateSize  int     `json:"intermediate_size"`
	NumHiddenLayers   int     `json:"num_hidden_layers"`
	NumAttentionHeads int     `json:"num_attention_heads"`
	ImageSize         int     `json:"image_size"`
	PatchSize         int     `json:"patch_size"`
	HiddenAct         string  `json:"hidden_act"`
	LayerNormEps      float64 `json:"layer_norm_eps"`
	AttentionDropout  float64 `json:"attention_dropout"`
	InitializerRange  float64 `json:"initializer_range"`
	QKVBias           bool    `json:"qkv_bias"`
}

// NumPositions is the token count: one per patch plus CLS.
func (v VisionConfig) NumPositions() int {
	n := v.ImageSize / v.PatchSize
	return n*n + 1
}

// QFormerConfig is Blip2QFormerConfig: the BERT-style querying transformer.
type QFormerConfig struct {
	ModelType                 string  `json:"model_type"`
	VocabSize                 int     `json:"vocab_size"`
	HiddenSize                int     `json:"hidden_size"`
	NumHiddenLayers           int     `json:"num_hidden_layers"`
	NumAttentionHeads         int     `json:"num_attention_heads"`
	IntermediateSize          int     `json:"intermediate_size"`
	HiddenAct                 string  `json:"hidden_act"`
	HiddenDropoutProb         float64 `json:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64 `json:"attention_probs_dropout_prob"`
	MaxPositionEmbeddings     int     `json:"max_position_embeddings"`
	InitializerRange          float64 `json:"initializer_range"`
	LayerNormEps              float64 `json:"layer_norm_eps"`
	PadTokenID                *int    `json:"pad_token_id"`
	PositionEmbeddingType     string  `json:"position_embedding_type"`
	CrossAttentionFrequency   int     `json:"cross_attention_frequency"`
	EncoderHiddenSize         int     `json:"encoder_hidden_size"`
	UseQFormerTextInput       bool    `json:"use_qformer_text_input"`
}

// HasCrossAttention reports whether Q-Former layer i cross-attends to the
// image (HF: layer_idx % cross_attention_frequency == 0).
func (q QFormerConfig) HasCrossAttention(layer int) bool {
	return q.CrossAttentionFrequency > 0 && layer%q.CrossAttentionFrequency == 0
}

// OPTConfig is transformers' OPTConfig (decoder-only language model).
type OPTConfig struct {
	ModelType                  string  `json:"model_type"`
	VocabSize                  int     `json:"vocab_size"`
	HiddenSize                 int     `json:"hidden_size"`
	NumHiddenLayers            int     `json:"num_hidden_layers"`
	FFNDim                     int     `json:"ffn_dim"`
	MaxPositionEmbeddings      int     `json:"max_position_embeddings"`
	DoLayerNormBefore          bool    `json:"do_layer_norm_before"`
	RemoveFinalLayerNorm       bool    `json:"_remove_final_layer_norm"`
	WordEmbedProjDim           int     `json:"word_embed_proj_dim"` // HF None means hidden_size
	Dropout                    float64 `json:"dropout"`
	AttentionDropout           float64 `json:"attention_dropout"`
	NumAttentionHeads          int     `json:"num_attention_heads"`
	ActivationFunction         string  `json:"activation_function"`
	LayerDrop                  float64 `json:"layerdrop"`
	InitStd                    float64 `json:"init_std"`
	UseCache                   bool    `json:"use_cache"`
	EnableBias                 bool    `json:"enable_bias"`
	LayerNormElementwiseAffine bool    `json:"layer_norm_elementwise_affine"`
	TieWordEmbeddings          bool    `json:"tie_word_embeddings"`
	PadTokenID                 *int    `json:"pad_token_id"`
	BOSTokenID                 *int    `json:"bos_token_id"`
	EOSTokenID                 *int    `json:"eos_token_id"`
	DecoderStartTokenID        *int    `json:"decoder_start_token_id"`
	// LayerNormEps is not a config field: OPT's nn.LayerNorm uses torch's
	// default. Kept here so forward code reads every eps from the config.
	LayerNormEps float64 `json:"-"`
}

// PositionOffset is the number of unused rows at the start of OPT's learned
// position table (OPTLearnedPositionalEmbedding adds 2 to every position).
const PositionOffset = 2

// T5Config is transformers' T5Config (encoder-decoder, e.g. Flan-T5).
type T5Config struct {
	ModelType                    string  `json:"model_type"`
	VocabSize                    int     `json:"vocab_size"`
	DModel                       int     `json:"d_model"`
	DKV                          int     `json:"d_kv"`
	DFF                          int     `json:"d_ff"`
	NumLayers                    int     `json:"num_layers"`
	NumDecoderLayers             int     `json:"num_decoder_layers"` // HF None means num_layers
	NumHeads                     int     `json:"num_heads"`
	RelativeAttentionNumBuckets  int     `json:"relative_attention_num_buckets"`
	RelativeAttentionMaxDistance int     `json:"relative_attention_max_distance"`
	DropoutRate                  float64 `json:"dropout_rate"`
	ClassifierDropout            float64 `json:"classifier_dropout"`
	LayerNormEpsilon             float64 `json:"layer_norm_epsilon"`
	InitializerFactor            float64 `json:"initializer_factor"`
	FeedForwardProj              string  `json:"feed_forward_proj"`
	DenseActFn                   string  `json:"dense_act_fn"` // derived from feed_forward_proj
	IsGatedAct                   bool    `json:"is_gated_act"` // derived from feed_forward_proj
	IsEncoderDecoder             bool    `json:"is_encoder_decoder"`
	UseCache                     bool    `json:"use_cache"`
	TieWordEmbeddings            bool    `json:"tie_word_embeddings"`
	PadTokenID                   *int    `json:"pad_token_id"`
	BOSTokenID                   *int    `json:"bos_token_id"`
	EOSTokenID                   *int    `json:"eos_token_id"`
	DecoderStartTokenID          *int    `json:"decoder_start_token_id"`
}

// Blip2Config is the whole model. Exactly one of OPT and T5 is set.
type Blip2Config struct {
	ModelType                   string        `json:"model_type"`
	NumQueryTokens              int           `json:"num_query_tokens"`
	ImageTextHiddenSize         int           `json:"image_text_hidden_size"`
	ImageTokenIndex             *int          `json:"image_token_index"` // nil: legacy concatenation path
	InitializerFactor           float64       `json:"initializer_factor"`
	InitializerRange            float64       `json:"initializer_range"`
	TieWordEmbeddings           bool          `json:"tie_word_embeddings"`             // copied from the text config
	IsEncoderDecoder            bool          `json:"is_encoder_decoder"`              // copied from the text config
	UseDecoderOnlyLanguageModel bool          `json:"use_decoder_only_language_model"` // true for OPT
	Vision                      VisionConfig  `json:"vision_config"`
	QFormer                     QFormerConfig `json:"qformer_config"`
	OPT                         *OPTConfig    `json:"-"`
	T5                          *T5Config     `json:"-"`
}

func intp(v int) *int { return &v }

// DefaultVision returns Blip2VisionConfig() (EVA ViT-g/14 at 224 px).
func DefaultVision() VisionConfig {
	return VisionConfig{
		ModelType: "blip_2_vision_model", HiddenSize: 1408, IntermediateSize: 6144,
		NumHiddenLayers: 39, NumAttentionHeads: 16, ImageSize: 224, PatchSize: 14,
		HiddenAct: "gelu", LayerNormEps: 1e-6, AttentionDropout: 0, InitializerRange: 1e-10,
		QKVBias: true,
	}
}

// DefaultQFormer returns Blip2QFormerConfig() (BERT-base sized).
func DefaultQFormer() QFormerConfig {
	return QFormerConfig{
		ModelType: "blip_2_qformer", VocabSize: 30522, HiddenSize: 768, NumHiddenLayers: 12,
		NumAttentionHeads: 12, IntermediateSize: 3072, HiddenAct: "gelu",
		HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1, MaxPositionEmbeddings: 512,
		InitializerRange: 0.02, LayerNormEps: 1e-12, PadTokenID: intp(0),
		PositionEmbeddingType: "absolute", CrossAttentionFrequency: 2, EncoderHiddenSize: 1408,
	}
}

// DefaultOPT returns OPTConfig() (the 125m shape).
func DefaultOPT() OPTConfig {
	return OPTConfig{
		ModelType: "opt", VocabSize: 50272, HiddenSize: 768, NumHiddenLayers: 12, FFNDim: 3072,
		MaxPositionEmbeddings: 2048, DoLayerNormBefore: true, Dropout: 0.1,
		NumAttentionHeads: 12, ActivationFunction: "relu", InitStd: 0.02, UseCache: true,
		EnableBias: true, LayerNormElementwiseAffine: true, TieWordEmbeddings: true,
		PadTokenID: intp(1), BOSTokenID: intp(2), EOSTokenID: intp(2), LayerNormEps: 1e-5,
	}
}

// DefaultT5 returns T5Config() (t5-small shape).
func DefaultT5() T5Config {
	return T5Config{
		ModelType: "t5", VocabSize: 32128, DModel: 512, DKV: 64, DFF: 2048, NumLayers: 6,
		NumHeads: 8, RelativeAttentionNumBuckets: 32, RelativeAttentionMaxDistance: 128,
		DropoutRate: 0.1, LayerNormEpsilon: 1e-6, InitializerFactor: 1.0,
		FeedForwardProj: "relu", IsEncoderDecoder: true, UseCache: true, TieWordEmbeddings: true,
		PadTokenID: intp(0), EOSTokenID: intp(1),
	}
}
