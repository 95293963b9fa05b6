package app

import (
	"fmt"
	"sort"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// prefixChunk is how many example captions one text pass embeds. One pass
// over 2,298 examples took 28 s natively against 0.5 s for 192: every row
// was padded to the longest example and the attention grew with it. Sorted
// by length and cut into chunks, the cost is linear in the examples.
const prefixChunk = 128

// LoadPrefixBank makes the prefix bank of a PrefixesFile's bytes for m;
// nil when m cannot choose among them (no ITC heads or no OPT language
// model). embeds, when not nil, is the folder's PrefixEmbedsFile: its
// embeddings are used when they belong to these prefixes and to m's
// weights (a few examples are embedded again to see), and otherwise every
// example is embedded anew, the reason in the bank's StoredErr.
func LoadPrefixBank(raw, embeds []byte, m *blip2.Model, b nn.Backend, lm, q Tokenizer) (*PrefixBank, error) {
	p, err := ParsePrefixes(raw)
	if err != nil || !m.Retrieval() || m.OPT == nil {
		return nil, err
	}
	k, err := newPrefixBank(m, b, lm, q, p)
	if err != nil {
		return nil, err
	}
	k.source = prefixesHash(raw)
	if embeds != nil {
		if k.StoredErr = k.useStored(embeds); k.StoredErr == nil {
			return k, nil
		}
	}
	return k, k.Refresh()
}

// PrefixBank holds the example captions' ITC embeddings on a backend.
type PrefixBank struct {
	m      *blip2.Model
	b      nn.Backend
	lead   [][]int   // each prefix in language-model tokens, bos first
	ids    [][]int   // each example caption in Q-Former tokens, unpadded
	owner  []int     // prefix of each example
	base   []float32 // (examples, d) as the bank was made (for Restore)
	embeds nn.Tensor // (examples, d)
	pad    int
	source string // prefixesHash of the PrefixesFile, when loaded from one
	// Stored says the embeddings came from the folder's PrefixEmbedsFile;
	// StoredErr, when the folder had one, why it was not used.
	Stored    bool
	StoredErr error
}

// NewPrefixBank embeds p's examples with the model's ITC text side (q is
// the Q-Former's tokenizer, lm the language model's).
func NewPrefixBank(m *blip2.Model, b nn.Backend, lm, q Tokenizer, p *CaptionPrefixes) (*PrefixBank, error) {
	k, err := newPrefixBank(m, b, lm, q, p)
	if err != nil {
		return nil, err
	}
	return k, k.Refresh()
}

func newPrefixBank(m *blip2.Model, b nn.Backend, lm, q Tokenizer, p *CaptionPrefixes) (*PrefixBank, error) {
	if !m.Retrieval() || m.OPT == nil {
		return nil, fmt.Errorf("caption prefixes need a model with ITC heads and an OPT language model")
	}
	k := &PrefixBank{m: m, b: b, pad: 1}
	if c := m.Config.OPT; c != nil && c.PadTokenID != nil {
		k.pad = *c.PadTokenID
	}
	for i, x := range p.Prefixes {
		k.lead = append(k.lead, lm.Encode(x.Text))
		for _, e := range x.Examples {
			ids, _ := qformerIDs(m, q, e)
			k.ids, k.owner = append(k.ids, ids), append(k.owner, i)
		}
	}
	return k, nil
}

// Refresh embeds every example again, with the weights the model has now
// (after fine-tuning), in chunks of similar lengths.
func (k *PrefixBank) Refresh() error {
	order := make([]int, len(k.ids))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(k.ids[order[a]]) < len(k.ids[order[b]]) })
	var all []float32
	d := 0
	for start := 0; start < len(order); start += prefixChunk {
		rows := order[start:min(start+prefixChunk, len(order))]
		e, err := k.embed(rows)
		if err != nil {
			return err
		}
		if all == nil {
			d = len(e) / len(rows)
			all = make([]float32, len(k.ids)*d)
		}
		for j, r := range rows {
			copy(all[r*d:(r+1)*d], e[j*d:(j+1)*d])
		}
	}
	k.Stored = false
	return k.set(all, d)
}

// embed runs the ITC text side over the examples rows, in one batch.
func (k *PrefixBank) embed(rows []int) ([]float32, error) {
	rs := make([][]int, len(rows))
	for i, r := range rows {
		rs[i] = k.ids[r]
	}
	ids, mask := padRows(rs)
	_, th := k.m.TextHidden(k.b, ids, mask)
	te := k.m.TextEmbeds(k.b, th[len(th)-1])
	k.b.Free(th...)
	v, err := k.b.Read(te)
	k.b.Free(te)
	if err == nil && (len(v) == 0 || len(v)%len(rows) != 0) {
		err = fmt.Errorf("caption prefixes: %d values for %d embeddings", len(v), len(rows))
	}
	return v, err
}

// set puts (examples, d) embeddings on the device.
func (k *PrefixBank) set(all []float32, d int) error {
	if k.embeds != nil {
		k.b.Free(k.embeds)
	}
	if k.base == nil {
		k.base = all
	}
	k.embeds = k.b.Upload(all, len(k.ids), d)
	return k.b.Err()
}

// Restore puts back the embeddings the bank was made with, for a model
// whose weights went back to those it was loaded with (fine-tuning undone):
// no text pass.
func (k *PrefixBank) Restore() error {
	return k.set(k.base, len(k.base)/len(k.ids))
}

// Examples is the number of example captions.
func (k *PrefixBank) Examples() int { return len(k.ids) }

// embeddings reads the (examples, d) embeddings back from the device.
func (k *PrefixBank) embeddings() (all []float32, d int, err error) {
	all, err = k.b.Read(k.embeds)
	return all, len(all) / len(k.ids), err
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
