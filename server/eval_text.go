//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/dataset"
	"blip2/model/eval"
	"blip2/model/nn"
	"blip2/model/tokenizer"
	"blip2/model/train"
	"blip2/model/trainer"
)

// evalCaptions captions pairs' images and scores them against all of each
// pair's captions; with path, it writes one JSON line per image.
func evalCaptions(b nn.Backend, m *blip2.Model, tok *tokenizer.BPE, qtok app.Tokenizer, bank *app.PrefixBank, data string, pairs []Pair,
	o blip2.GenerateOptions, path string) (*eval.CaptionReport, error) {
	size := m.Config.Vision.ImageSize
	pixels := func(i int) ([]float32, error) { return trainer.LoadImage(data, pairs[i], size) }
	decode := func(ids []int) string { return tok.Decode(ids, true) }
	caps, err := eval.Caption(b, m, len(pairs), pixels, decode, o, captionDecoding(m, b, tok, qtok, o.GuideWeight, bank), os.Stderr)
	if err != nil {
		return nil, err
	}
	refs := make([][]string, len(pairs))
	for i, p := range pairs {
		refs[i] = p.Captions
	}
	rep, err := eval.ScoreCaptions(caps, refs, dataset.TemplateWords())
	if err != nil {
		return nil, err
	}
	rep.Beams = o.NumBeams
	if path != "" {
		err := writeJSONLines(path, len(pairs), func(i int) any {
			return map[string]any{"id": pairs[i].ID, "caption": caps[i], "references": pairs[i].Captions}
		})
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// writeJSONLines writes n JSON lines to path, line i being line(i).
func writeJSONLines(path string, n int, line func(i int) any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for i := 0; i < n; i++ {
		if err := enc.Encode(line(i)); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// captionDecoding is app.PrepareDecoding for eval.Caption: ITC's guide for
// -guide weight (through the language model's tokenizer lm and the
// Q-Former's q) when the model has ITC heads, and the bank's caption
// starts; nil when there is neither.
func captionDecoding(m *blip2.Model, b nn.Backend, lm, q app.Tokenizer, weight float64, bank *app.PrefixBank) eval.Preparer {
	guided := weight > 0 && q != nil && m.Retrieval()
	if !guided && bank == nil {
		return nil
	}
	return func(px nn.Tensor) (blip2.Guide, [][]int, [][]int, func(), error) {
		d, err := app.PrepareDecoding(m, b, lm, q, guided, bank, px)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		return d.Guide, d.IDs, d.Mask, d.Release, nil
	}
}

// perplexityReport is the language model on the held-out corpus lines.
type perplexityReport struct {
	Lines      int     `json:"lines"`
	Perplexity float64 `json:"perplexity"`
}

// evalPerplexity is the language model's perplexity on the corpus lines
// stage0-lm held out; nil when the dataset has no corpus.
func evalPerplexity(b nn.Backend, m *blip2.Model, tok *tokenizer.BPE, data string, n int) (*perplexityReport, error) {
	c, err := trainer.LoadCorpus(data)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if n > m.Config.OPT.MaxPositionEmbeddings {
		return nil, fmt.Errorf("-lm-len %d is past the language model's %d positions", n, m.Config.OPT.MaxPositionEmbeddings)
	}
	var ids, mask [][]int
	for _, l := range c.HeldOut {
		i, k := trainer.LMSequence(tok, l, n)
		ids, mask = append(ids, i), append(mask, k)
	}
	fmt.Fprintf(os.Stderr, "perplexity over %d held-out lines\n", len(ids))
	p, err := eval.Perplexity(b, m.OPT, ids, mask)
	if err != nil {
		return nil, err
	}
	return &perplexityReport{Lines: len(ids), Perplexity: p}, nil
}

// hasLMTokenizer says whether dir has the language model's tokenizer (a
// stage-0 image-encoder folder has none yet); any other error is the
// loader's to report.
func hasLMTokenizer(dir string) bool {
	_, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	return !errors.Is(err, fs.ErrNotExist)
}

// evalPrompt is eval.PromptProbe over pairs: each canonical caption as
// stage 2 trains it, after every pair's visual prompt and after none.
func evalPrompt(b nn.Backend, m *blip2.Model, tok *tokenizer.BPE, data string, pairs []Pair, n int) (*eval.PromptReport, error) {
	var ids, mask, labels [][]int
	for _, p := range pairs {
		i, mk, l := train.CaptionTarget(tok, nil, p.Captions[0], n)
		ids, mask, labels = append(ids, i), append(mask, mk), append(labels, l)
	}
	size := m.Config.Vision.ImageSize
	return eval.PromptProbe(b, m, len(pairs), func(i int) ([]float32, error) { return trainer.LoadImage(data, pairs[i], size) }, ids, mask, labels, os.Stderr)
}
