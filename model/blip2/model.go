// Package blip2 is the BLIP-2 model on the nn.Backend contract: the EVA
// ViT, the Q-Former with its ITC/ITM heads, the language projection, and
// the OPT or T5 language model, bound strictly to Hugging Face checkpoint
// names. The same code runs on the GPU (model/gpu) and on the pure-Go
// reference (model/cpu).
package blip2

import (
	"fmt"
	"runtime/debug"
	"strings"

	"blip2/model/config"
	"blip2/model/nn"
	"blip2/model/weights"
)

// Model is Blip2ForConditionalGeneration and Blip2ForImageTextRetrieval in
// one: a checkpoint of either kind binds, and the parts it lacks are nil.
type Model struct {
	Vision      *VisionModel  `w:"vision_model"`
	QueryTokens weights.Param `w:"query_tokens"`
	QFormer     *QFormer      `w:"qformer"`
	// Generation checkpoints carry the projection into the language model;
	// retrieval checkpoints carry the text embeddings and the ITC/ITM heads.
	LangProj   *nn.Linear      `w:"language_projection,optional"`
	TextEmbed  *TextEmbeddings `w:"embeddings,optional"`
	VisionProj *nn.Linear      `w:"vision_projection,optional"`
	TextProj   *nn.Linear      `w:"text_projection,optional"`
	ITMHead    *nn.Linear      `w:"itm_head,optional"`
	// The language model binds separately under "language_model".
	OPT *OPT
	T5  *T5
	// Temp is the ITC temperature the checkpoint was trained with ("temp"),
	// 0 when it carries none; re-ranking reads it (RerankScore).
	Temp float32

	Config *config.Blip2Config
}

// New allocates a model whose shapes follow the config.
func New(c *config.Blip2Config) *Model {
	q, h := c.QFormer, c.QFormer.HiddenSize
	m := &Model{Config: c, Vision: newVisionModel(c.Vision), QFormer: newQFormer(q)}
	m.QueryTokens.Shape = []int{1, c.NumQueryTokens, h}
	lp, vp, tp, itm := nn.NewLinear(h, c.TextHiddenSize()), nn.NewLinear(h, c.ImageTextHiddenSize), nn.NewLinear(h, c.ImageTextHiddenSize), nn.NewLinear(h, 2)
	m.LangProj, m.VisionProj, m.TextProj, m.ITMHead = &lp, &vp, &tp, &itm
	m.TextEmbed = &TextEmbeddings{Word: weights.Param{Shape: []int{q.VocabSize, h}}, Position: weights.Param{Shape: []int{q.MaxPositionEmbeddings, h}}}
	switch {
	case c.OPT != nil:
		m.OPT = newOPT(*c.OPT)
	case c.T5 != nil:
		m.T5 = newT5(*c.T5)
	}
	return m
}

// Load binds a checkpoint: every tensor must be consumed, present where the
// config says, and of the expected shape, or the error names it.
func Load(c *config.Blip2Config, src weights.Store) (*Model, error) {
	return load(New(c), src)
}

// Resident names the parts of a model LoadResident keeps on the device
// only.
type Resident int

const (
	// ResidentVision: the image encoder's layers.
	ResidentVision Resident = 1 << iota
	// ResidentLM: the language model's layers (OPT decoder layers, T5
	// blocks; T5's relative position table stays on the host, which reads
	// it). A model whose language model is resident cannot be fine-tuned
	// through its captions (stage 2 reads the host copies).
	ResidentLM
	// ResidentQFormer: the Q-Former's layers (then it cannot be
	// fine-tuned at all).
	ResidentQFormer
)

// LoadResident is Load with each layer of the parts named uploaded to b as
// soon as it is bound, and its host copy dropped: those layers are never
// whole in memory, which a browser tab needs for a large model, and a
// native run for a bounded one (a stream.Store that drops read shards does
// the same for the bytes). The model then runs on b only; b must keep its
// weights on the device (a GPU backend, not the pure-Go one, which reads
// the host copies).
func LoadResident(c *config.Blip2Config, src weights.Store, b nn.Backend, parts Resident) (*Model, error) {
	m := New(c)
	if parts&ResidentVision != 0 {
		for i := range m.Vision.Layers {
			m.Vision.Layers[i].resident = b
		}
	}
	if parts&ResidentQFormer != 0 {
		for i := range m.QFormer.Layers {
			m.QFormer.Layers[i].resident = b
		}
	}
	if parts&ResidentLM != 0 {
		switch {
		case m.OPT != nil:
			for i := range m.OPT.Layers {
				m.OPT.Layers[i].resident = b
			}
		case m.T5 != nil:
			for i := range m.T5.Encoder.Blocks {
				m.T5.Encoder.Blocks[i].resident = b
			}
			for i := range m.T5.Decoder.Blocks {
				m.T5.Decoder.Blocks[i].resident = b
			}
		}
	}
	m, err := load(m, src)
	if err == nil && parts&ResidentLM != 0 {
		m.dropPackedTables()
	}
	return m, err
}

// dropPackedTables drops the host floats of a resident language model's
// packed token tables: its rows are gathered from the codes, which stay.
func (m *Model) dropPackedTables() {
	var tables []*weights.Param
	switch {
	case m.OPT != nil:
		tables = []*weights.Param{&m.OPT.Embed, &m.OPT.LMHead}
	case m.T5 != nil:
		tables = []*weights.Param{&m.T5.Shared, &m.T5.LMHead}
	}
	for _, p := range tables {
		if p.Q != nil {
			p.Data = nil
		}
	}
	debug.FreeOSMemory()
}

// settler is a backend that can wait for its uploads to land, releasing
// what it staged them in (a GPU backend: one staging copy per write until
// the queue next completes work, which a load without a forward pass
// would otherwise accumulate for the whole model).
type settler interface{ Settle() error }

// upload sends ps to the device of a resident layer and drops their host
// copies (floats and packed codes); with no device it does nothing.
func upload(b nn.Backend, ps []*weights.Param) error {
	if b == nil {
		return nil
	}
	for _, p := range ps {
		b.Param(p)
	}
	if s, ok := b.(settler); ok {
		if err := s.Settle(); err != nil {
			return err
		}
	}
	if err := b.Err(); err != nil {
		return err
	}
	for _, p := range ps {
		p.Data, p.Q = nil, nil
	}
	// The layer was widened to f32 on its way here (a few hundred MB for a
	// large model) and is garbage now: hand it back to the system before
	// the next layer arrives, or dropped layers pile up until the GC runs.
	debug.FreeOSMemory()
	return nil
}

// TrainingOnly says whether a tensor name is one that training keeps
// beside a model and inference never reads: the Q-Former's ITG head
// (LAVIS's cls.predictions.*). A converted model carries it for
// fine-tuning; binding passes over it.
func TrainingOnly(name string) bool {
	return strings.HasPrefix(name, "cls.predictions.")
}

func load(m *Model, src weights.Store) (*Model, error) {
	ignore := []weights.Ignore{{Pattern: "language_model.*", Reason: "bound by the language model's own pass below"},
		{Pattern: "cls.predictions.*", Reason: "the ITG head: training only (TrainingOnly)"},
		{Pattern: "temp", Reason: "the ITC temperature: read by readTemp"}}
	if err := weights.Bind(m, src, "", ignore); err != nil {
		return nil, err
	}
	if err := readTemp(m, src); err != nil {
		return nil, err
	}
	hasLM := false
	for _, n := range src.Names() {
		hasLM = hasLM || len(n) > len("language_model.") && n[:len("language_model.")] == "language_model."
	}
	switch {
	case !hasLM:
		m.OPT, m.T5 = nil, nil // a retrieval checkpoint
	case m.OPT != nil:
		if err := weights.Bind(m.OPT, src, "language_model", nil); err != nil {
			return nil, err
		}
	case m.T5 != nil:
		if err := weights.Bind(m.T5, src, "language_model", nil); err != nil {
			return nil, err
		}
	}
	if hasLM != (m.LangProj != nil) {
		return nil, fmt.Errorf("blip2: language_projection and language_model.* must come together")
	}
	return m, m.afterBind()
}

func (m *Model) afterBind() error {
	for i := range m.QFormer.Layers {
		l := &m.QFormer.Layers[i]
		if (l.CrossAttention != nil) != m.Config.QFormer.HasCrossAttention(i) {
			return fmt.Errorf("qformer.encoder.layer.%d: cross-attention presence contradicts cross_attention_frequency=%d", i, m.Config.QFormer.CrossAttentionFrequency)
		}
		if (l.TextUp != nil) != (l.TextDown != nil) || (l.TextUp != nil) != (l.TextNorm != nil) {
			return fmt.Errorf("qformer.encoder.layer.%d: the text feed-forward is incomplete", i)
		}
	}
	heads := []bool{m.TextEmbed != nil, m.VisionProj != nil, m.TextProj != nil, m.ITMHead != nil}
	for _, h := range heads[1:] {
		if h != heads[0] {
			return fmt.Errorf("blip2: a retrieval checkpoint needs embeddings, vision_projection, text_projection and itm_head together")
		}
	}
	if heads[0] && m.QFormer.Layers[0].TextUp == nil {
		return fmt.Errorf("blip2: retrieval heads without the Q-Former text feed-forward (intermediate/output)")
	}
	if m.OPT != nil {
		return m.OPT.afterBind()
	}
	if m.T5 != nil {
		return m.T5.afterBind()
	}
	return nil
}

// Retrieval reports whether the checkpoint has the ITC/ITM heads.
func (m *Model) Retrieval() bool { return m.TextEmbed != nil }
