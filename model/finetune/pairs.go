// Package finetune teaches a loaded BLIP-2 model new image–caption pairs
// with the training step `server train` runs: stage 1 (ITC, ITM with hard
// negatives, ITG) and stage 2 (captions through the frozen language
// model), on the same device kernels. The demo page's worker and the
// native tests share it; nothing here knows about the browser.
package finetune

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"blip2/model/image"
)

// Pair is one image and its caption, as the user gave them.
type Pair struct {
	Name    string // the image's file name, for messages
	Image   []byte // the file's bytes: PNG, JPEG, GIF or WebP
	Caption string
}

// Skipped is a pair left out, and why.
type Skipped struct{ Name, Reason string }

// Hold-out: with at least minForHoldOut usable pairs, a fifth of them (at
// least two) are kept aside to compare the base and the tuned model on.
const (
	minForHoldOut = 10
	holdOutShare  = 0.2
)

// example is a usable pair, decoded and tokenized.
type example struct {
	Pair
	pixels                  []float32 // (3, S, S)
	feats                   []float32 // the frozen encoder's output (P, Dv), before ln_vision
	ids                     []int     // Q-Former text, [CLS] … [SEP], padded
	mask                    []int
	lmIDs, lmMask, lmLabels []int
}

// check decodes and tokenizes every pair, keeping the usable ones; a bad
// pair is listed with its reason, never fatal.
func (t *Tuner) check(pairs []Pair) (ok []*example, skipped []Skipped) {
	size := t.m.Config.Vision.ImageSize
	for _, p := range pairs {
		caption := strings.Join(strings.Fields(p.Caption), " ")
		if caption == "" {
			skipped = append(skipped, Skipped{p.Name, "no caption"})
			continue
		}
		if n := len(t.qtok.Encode(caption)); n > t.textLen {
			skipped = append(skipped, Skipped{p.Name, fmt.Sprintf("the caption is %d tokens long, over the limit of %d", n, t.textLen)})
			continue
		}
		px, err := image.Preprocess(p.Image, size)
		if err != nil {
			skipped = append(skipped, Skipped{p.Name, err.Error()})
			continue
		}
		e := &example{Pair: p, pixels: px}
		e.Caption = caption
		e.ids, e.mask = t.qtok.EncodePadded(caption, t.textLen)
		e.lmIDs, e.lmMask, e.lmLabels = t.target(caption)
		ok = append(ok, e)
	}
	return ok, skipped
}

// split keeps a fifth of the examples aside (drawn with seed) when there
// are enough of them.
func split(all []*example, seed uint64) (trainSet, held []*example) {
	if len(all) < minForHoldOut {
		return all, nil
	}
	n := max(2, int(float64(len(all))*holdOutShare+0.5))
	perm := rand.New(rand.NewPCG(seed, 11)).Perm(len(all))
	for i, j := range perm {
		if i < n {
			held = append(held, all[j])
		} else {
			trainSet = append(trainSet, all[j])
		}
	}
	return trainSet, held
}
