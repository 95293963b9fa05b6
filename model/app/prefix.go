package app

import (
	"encoding/json"
	"fmt"
	"strings"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// How a caption starts. The default model's small language model reads
// the image weakly through the visual prompt, and its first words decide
// the kind of caption: left to itself it begins most emoji captions with
// "a clip art of a", because "a" is likelier than "an" a priori, and the
// rest follows the wrong kind. ITC knows the kind far better: the nearest
// of a few hundred example captions has the right one for 83% of val
// images. So a model folder may hold candidate caption starts, each with
// example captions (PrefixesFile, which `train stage2` writes from its
// training sentences); each image's caption then begins with the prefix of
// its nearest example by ITC, and the language model continues from there
// (docs/training.md).

// PrefixesFile is the model folder's list of caption prefixes.
const PrefixesFile = "caption_prefixes.json"

// CaptionPrefixes are the candidate starts of a caption.
type CaptionPrefixes struct {
	Prefixes []CaptionPrefix `json:"prefixes"`
}

// CaptionPrefix is one start ("an emoji of a") and captions that begin
// with it ("an emoji of a dog face"), which ITC compares images with.
type CaptionPrefix struct {
	Text     string   `json:"text"`
	Examples []string `json:"examples"`
}

// ParsePrefixes reads and checks a PrefixesFile.
func ParsePrefixes(data []byte) (*CaptionPrefixes, error) {
	var p CaptionPrefixes
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", PrefixesFile, err)
	}
	if len(p.Prefixes) < 2 {
		return nil, fmt.Errorf("%s: %d prefixes, a choice needs at least 2", PrefixesFile, len(p.Prefixes))
	}
	for i, x := range p.Prefixes {
		if strings.TrimSpace(x.Text) == "" {
			return nil, fmt.Errorf("%s: prefix %d is empty", PrefixesFile, i)
		}
		if len(x.Examples) == 0 {
			return nil, fmt.Errorf("%s: prefix %q has no example captions", PrefixesFile, x.Text)
		}
		for _, e := range x.Examples {
			if !strings.HasPrefix(e, x.Text+" ") {
				return nil, fmt.Errorf("%s: the example %q does not begin with its prefix %q", PrefixesFile, e, x.Text)
			}
		}
	}
	return &p, nil
}

// LoadPrefixBank embeds the prefixes of a PrefixesFile's bytes for m; nil
// when m cannot choose among them (no ITC heads or no OPT language model).
func LoadPrefixBank(raw []byte, m *blip2.Model, b nn.Backend, lm, q Tokenizer) (*PrefixBank, error) {
	p, err := ParsePrefixes(raw)
	if err != nil || !m.Retrieval() || m.OPT == nil {
		return nil, err
	}
	return NewPrefixBank(m, b, lm, q, p)
}

// PrefixBank holds the example captions' ITC embeddings on a backend.
type PrefixBank struct {
	m      *blip2.Model
	b      nn.Backend
	lead   [][]int   // each prefix in language-model tokens, bos first
	embeds nn.Tensor // (examples, d)
	owner  []int     // prefix of each example
	pad    int
	// the examples in the Q-Former's tokens, padded, for Refresh
	ids, mask [][]int
}

// NewPrefixBank embeds p's examples with the model's ITC text side (q is
// the Q-Former's tokenizer, lm the language model's).
func NewPrefixBank(m *blip2.Model, b nn.Backend, lm, q Tokenizer, p *CaptionPrefixes) (*PrefixBank, error) {
	if !m.Retrieval() || m.OPT == nil {
		return nil, fmt.Errorf("caption prefixes need a model with ITC heads and an OPT language model")
	}
	k := &PrefixBank{m: m, b: b, pad: 1}
	if c := m.Config.OPT; c != nil && c.PadTokenID != nil {
		k.pad = *c.PadTokenID
	}
	var examples []string
	for i, x := range p.Prefixes {
		k.lead = append(k.lead, lm.Encode(x.Text))
		for _, e := range x.Examples {
			examples, k.owner = append(examples, e), append(k.owner, i)
		}
	}
	k.ids, k.mask = qformerBatch(m, q, examples)
	return k, k.Refresh()
}

// Refresh embeds the examples again, with the weights the model has now
// (after fine-tuning).
func (k *PrefixBank) Refresh() error {
	if k.embeds != nil {
		k.b.Free(k.embeds)
	}
	_, th := k.m.TextHidden(k.b, k.ids, k.mask)
	k.embeds = k.m.TextEmbeds(k.b, th[len(th)-1])
	k.b.Free(th...)
	return k.b.Err()
}

// Free releases the embeddings.
func (k *PrefixBank) Free() { k.b.Free(k.embeds); k.embeds = nil }

// Prompts are, for images with ITC embeddings (B, Q, d), the prompt rows
// that start their captions: bos and the prefix of the image's nearest
// example, left padded (OPT's positions count real tokens only, so the
// padding moves nothing), for Generate with PromptInCaption.
func (k *PrefixBank) Prompts(imageEmbeds nn.Tensor) (ids, mask [][]int, err error) {
	sim := k.m.Similarity(k.b, imageEmbeds, k.embeds) // (B, examples)
	s, err := k.b.Read(sim)
	k.b.Free(sim)
	if err != nil {
		return nil, nil, err
	}
	n := len(k.owner)
	width := 0
	for _, l := range k.lead {
		width = max(width, len(l))
	}
	for i := 0; i < len(s)/n; i++ {
		best := 0
		for j, v := range s[i*n : (i+1)*n] {
			if v > s[i*n+best] {
				best = j
			}
		}
		l := k.lead[k.owner[best]]
		row, m := make([]int, 0, width), make([]int, 0, width)
		for range width - len(l) {
			row, m = append(row, k.pad), append(m, 0)
		}
		for _, t := range l {
			row, m = append(row, t), append(m, 1)
		}
		ids, mask = append(ids, row), append(mask, m)
	}
	return ids, mask, nil
}
