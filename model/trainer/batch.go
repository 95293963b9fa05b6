package trainer

import (
	"math/rand/v2"

	"blip2/model/tokenizer"
	"blip2/model/train"
)

// order is the sequence of pairs a run visits: epoch e is the permutation
// drawn from (seed, e), cut to whole batches so no pair repeats within a
// batch. Everything about step k follows from (seed, k) alone, which is
// what makes a resumed run identical to an uninterrupted one.
type order struct {
	seed     uint64
	n, batch int
	perms    map[int][]int
}

func newOrder(seed uint64, n, batch int) *order {
	return &order{seed: seed, n: n, batch: batch, perms: map[int][]int{}}
}

// stepsPerEpoch is the number of whole batches in an epoch.
func (o *order) stepsPerEpoch() int { return o.n / o.batch }

// indices returns the pairs of the 0-based step.
func (o *order) indices(step int) []int {
	per := o.stepsPerEpoch()
	e, k := step/per, step%per
	p, ok := o.perms[e]
	if !ok {
		p = rand.New(rand.NewPCG(o.seed, uint64(e))).Perm(o.n)
		o.perms = map[int][]int{e: p} // one epoch at a time is enough
	}
	return p[k*o.batch : (k+1)*o.batch]
}

// stepRand is the random stream of one step's choices (captions, ITM
// negatives): the stream index keeps them apart.
func stepRand(seed uint64, step, stream int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(step)*8+uint64(stream)))
}

// chooseCaption picks the canonical caption with probability canonical,
// else one of the alternates (captions[0] is canonical).
func chooseCaption(rng *rand.Rand, captions []string, canonical float64) string {
	if len(captions) == 1 || rng.Float64() < canonical {
		return captions[0]
	}
	return captions[1+rng.IntN(len(captions)-1)]
}

// stage1Batch assembles the batch of a step: cached features, one caption
// per pair tokenized to textLen, and a sampler for the ITM negatives.
func stage1Batch(o *order, step int, pairs []Pair, f *Features, tok *tokenizer.WordPiece, textLen, imageSize, decID int, canonical float64) *train.Batch {
	idx := o.indices(step)
	rng := stepRand(o.seed, step, 0)
	b := &train.Batch{Features: f.Of(idx), PixelShape: []int{len(idx), 3, imageSize, imageSize}, DecID: decID, Rand: stepRand(o.seed, step, 1)}
	for _, i := range idx {
		ids, mask := tok.EncodePadded(chooseCaption(rng, pairs[i].Captions, canonical), textLen)
		b.IDs, b.Mask = append(b.IDs, ids), append(b.Mask, mask)
	}
	return b
}
