//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"

	"blip2/model/blip2"
	"blip2/model/dataset"
	"blip2/model/eval"
	"blip2/model/nn"
	"blip2/model/tokenizer"
	"blip2/model/trainer"
)

// evalNearest captions pairs' images with the train split's caption that
// ITC puts nearest (eval.NearestTexts) and scores them as generated
// captions are scored. The candidates are the train pairs' distinct
// sentences ("an emoji of a dog face"), the form captions take, so that
// BLEU-4 and CIDEr-D compare like with like. With path, one JSON line per
// image: id, nearest, its ITC score, references.
func evalNearest(b nn.Backend, m *blip2.Model, tok *tokenizer.WordPiece, data string, pairs []Pair, textLen int, path string) (*eval.CaptionReport, error) {
	train, err := trainer.LoadPairs(data, "train")
	if err != nil {
		return nil, err
	}
	var texts []string
	var ids, mask [][]int
	seen := map[string]bool{}
	for _, p := range train {
		s := p.Captions[min(1, len(p.Captions)-1)]
		if seen[s] {
			continue
		}
		seen[s] = true
		i, k := tok.EncodePadded(s, textLen)
		texts, ids, mask = append(texts, s), append(ids, i), append(mask, k)
	}
	fmt.Fprintf(os.Stderr, "nearest train caption among %d for %d images\n", len(texts), len(pairs))
	size := m.Config.Vision.ImageSize
	pixels := func(i int) ([]float32, error) { return trainer.LoadImage(data, pairs[i], size) }
	best, score, err := eval.NearestTexts(b, m, len(pairs), pixels, ids, mask, os.Stderr)
	if err != nil {
		return nil, err
	}
	caps, refs := make([]string, len(pairs)), make([][]string, len(pairs))
	for i, p := range pairs {
		caps[i], refs[i] = texts[best[i]], p.Captions
	}
	if path != "" {
		err := writeJSONLines(path, len(pairs), func(i int) any {
			return map[string]any{"id": pairs[i].ID, "nearest": caps[i], "cosine": score[i], "references": pairs[i].Captions}
		})
		if err != nil {
			return nil, err
		}
	}
	return eval.ScoreCaptions(caps, refs, dataset.TemplateWords())
}
