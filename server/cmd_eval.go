//go:build !(js && wasm)

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/eval"
	"blip2/model/tokenizer"
	"blip2/model/trainer"
)

func init() {
	register("eval", "measure a checkpoint on a split: eval -checkpoint DIR -data DIR -split val|test (one JSON object)", runEval)
}

func runEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", "", "model folder (Hugging Face layout with vocab.txt, or the streaming format)")
	data := fs.String("data", "", "dataset folder built by `server data`")
	split := fs.String("split", "test", "val or test (or train, to see how well a model fits its data)")
	n := fs.Int("n", 1000, "images in the fixed subset of the split (the first by hash of their id)")
	rerank := fs.Int("rerank", 16, "ITC candidates ITM re-ranks (0: no re-ranking)")
	dualDir := fs.String("dual", "", "stage-0 folder whose dual encoder is scored too (default: the checkpoint, when it has "+trainer.DualHeadFile+")")
	textLen := fs.Int("text-len", 32, "caption tokens at most, [CLS] and [SEP] included")
	device := fs.String("device", "gpu", "gpu or cpu")
	nCaptions := fs.Int("captions", -1, "images of the subset to caption for BLEU-4 and CIDEr-D (-1: all, 0: none)")
	captionsOut := fs.String("captions-out", "", "JSON lines of each captioned image: id, caption, references")
	gen, def := blip2.GenerateOptions{MinNewTokens: 1, LengthPenalty: 1}, app.CaptionOptions()
	fs.IntVar(&gen.NumBeams, "beams", def.NumBeams, "beam width when captioning (1: greedy)")
	fs.Float64Var(&gen.GuideWeight, "guide", def.GuideWeight, app.GuideUsage)
	fs.IntVar(&gen.MaxNewTokens, "max-new-tokens", 24, "new tokens at most per caption")
	fs.Float64Var(&gen.RepetitionPenalty, "repetition-penalty", def.RepetitionPenalty, "> 1 discourages tokens already generated when captioning (1: Hugging Face's decoding)")
	lmLen := fs.Int("lm-len", 32, "tokens per held-out corpus line for the perplexity (stage0-lm's -text-len), and per caption for -prompt-probe")
	nearest := fs.Int("nearest", 0, "images of the subset captioned with the nearest train caption by ITC, scored as captions are: what the queries know, whatever decodes them (0: skip)")
	nearestOut := fs.String("nearest-out", "", "JSON lines of each -nearest image: id, nearest, cosine, references")
	usePrefixes := fs.Bool("prefixes", true, prefixesUsage)
	probe := fs.Int("prompt-probe", 100, "pairs of the subset whose captions are scored after every one of their images' visual prompts and after none (0: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" || *data == "" || (*split != "val" && *split != "test" && *split != "train") {
		return fmt.Errorf("usage: eval -checkpoint DIR -data DIR -split val|test [-n N -rerank K -dual DIR]")
	}
	pairs, err := trainer.LoadPairs(*data, *split)
	if err != nil {
		return err
	}
	pairs = fixedSubset(pairs, *n)
	m, err := loadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	tok, err := tokenizer.LoadWordPiece(*ckpt)
	if err != nil {
		return err
	}
	if *textLen > m.Config.QFormer.MaxPositionEmbeddings {
		return fmt.Errorf("-text-len %d is past the Q-Former's %d positions", *textLen, m.Config.QFormer.MaxPositionEmbeddings)
	}
	set := eval.Set{N: len(pairs), Pixels: func(i int) ([]float32, error) {
		return trainer.LoadImage(*data, pairs[i], m.Config.Vision.ImageSize)
	}}
	for _, p := range pairs {
		ids, mask := tok.EncodePadded(p.Captions[0], *textLen)
		set.IDs, set.Mask = append(set.IDs, ids), append(set.Mask, mask)
	}
	var dual *eval.Dual
	if *dualDir == "" {
		if _, err := os.Stat(filepath.Join(*ckpt, trainer.DualHeadFile)); err == nil {
			*dualDir = *ckpt
		}
	}
	if *dualDir != "" {
		dm, _, err := trainer.LoadModel(*dualDir, 1)
		if err != nil {
			return err
		}
		head, err := trainer.LoadDualHead(*dualDir, dm)
		if err != nil {
			return err
		}
		if head == nil {
			return fmt.Errorf("-dual %s has no %s (a stage-0 model folder has)", *dualDir, trainer.DualHeadFile)
		}
		dual = &eval.Dual{Model: dm.Model, Head: head}
		if *dualDir == *ckpt {
			dual.Model = m
		}
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	rep, err := eval.Retrieval(b, m, dual, set, *rerank, os.Stderr)
	if err != nil {
		return err
	}
	out := map[string]any{"checkpoint": *ckpt, "split": *split, "retrieval": rep}
	if k := min(*nearest, len(pairs)); k > 0 {
		r, err := evalNearest(b, m, tok, *data, pairs[:k], *textLen, *nearestOut)
		if err != nil {
			return err
		}
		out["nearest_train_caption"] = r
	}
	if m.OPT != nil && !hasLMTokenizer(*ckpt) {
		// A stage-0 image-encoder folder: its language model is untrained
		// and has no tokenizer yet.
		fmt.Fprintf(os.Stderr, "eval: %s has no language-model tokenizer: captioning and perplexity skipped\n", *ckpt)
	} else if m.OPT != nil {
		bpe, err := tokenizer.LoadBPE(*ckpt, tokenizer.OPTOptions())
		if err != nil {
			return fmt.Errorf("the language model's tokenizer: %w", err)
		}
		if *nCaptions != 0 {
			k := len(pairs)
			if *nCaptions > 0 {
				k = min(k, *nCaptions)
			}
			var bank *app.PrefixBank
			if *usePrefixes {
				if bank, err = loadPrefixBank(*ckpt, m, b, bpe); err != nil {
					return err
				}
			}
			c, err := evalCaptions(b, m, bpe, tok, bank, *data, pairs[:k], gen, *captionsOut)
			if err != nil {
				return err
			}
			out["captioning"] = c
		}
		if p, err := evalPerplexity(b, m, bpe, *data, *lmLen); err != nil {
			return err
		} else if p != nil {
			out["lm_perplexity"] = p
		}
		if k := min(*probe, len(pairs)); k >= 2 {
			r, err := evalPrompt(b, m, bpe, *data, pairs[:k], *lmLen)
			if err != nil {
				return err
			}
			out["visual_prompt"] = r
		}
	}
	js, _ := json.Marshal(out)
	fmt.Println(string(js))
	return nil
}

// fixedSubset is the n pairs whose ids hash lowest: the same subset for
// every model and every run.
func fixedSubset(pairs []Pair, n int) []Pair {
	key := func(p Pair) string { h := sha256.Sum256([]byte(p.ID)); return hex.EncodeToString(h[:]) }
	out := append([]Pair(nil), pairs...)
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out[:min(n, len(out))]
}

// Pair is a dataset pair.
type Pair = trainer.Pair
