//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"strings"

	"blip2/model/blip2"
	"blip2/model/tokenizer"
)

func init() {
	register("caption", "caption images (or answer a prompt about them) with a BLIP-2 checkpoint", runCaption)
}

func runCaption(args []string) error {
	fs := flag.NewFlagSet("caption", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", defaultModel, "model folder (streaming format or Hugging Face layout; OPT or Flan-T5 language model) with its tokenizer files")
	prompt := fs.String("prompt", "", `text after the visual prompt, e.g. "Question: what is this? Answer:"`)
	device := fs.String("device", "gpu", "gpu or cpu")
	o := blip2.GenerateOptions{}
	fs.IntVar(&o.MaxNewTokens, "max-new-tokens", 30, "new tokens at most")
	fs.IntVar(&o.MinNewTokens, "min-new-tokens", 1, "new tokens at least")
	fs.IntVar(&o.NumBeams, "beams", 5, "beam width (1: greedy)")
	fs.Float64Var(&o.LengthPenalty, "length-penalty", 1, "beam scores divided by length^this")
	fs.Float64Var(&o.RepetitionPenalty, "repetition-penalty", 1, "> 1 discourages repeats")
	fs.BoolVar(&o.Sample, "sample", false, "nucleus sampling instead of search")
	fs.Float64Var(&o.TopP, "top-p", 0.9, "nucleus mass when sampling")
	fs.Float64Var(&o.Temperature, "temperature", 1, "softmax temperature when sampling")
	fs.Uint64Var(&o.Seed, "seed", 1, "sampling seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("usage: caption [-checkpoint DIR] [-beams N] [-prompt S] IMAGE...")
	}
	m, err := loadModel(*ckpt)
	if err != nil {
		return err
	}
	var tok textTokenizer
	switch {
	case m.OPT != nil:
		// The OPT tokenizer prepends its </s> BOS, as BLIP-2's processor does.
		tok, err = tokenizer.LoadBPE(*ckpt, tokenizer.OPTOptions())
	case m.T5 != nil:
		// Flan-T5 prompts go to the encoder, with the </s> T5 appends.
		tok, err = tokenizer.LoadT5(*ckpt)
	default:
		return fmt.Errorf("%s has no language model to caption with", *ckpt)
	}
	if err != nil {
		return err
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	size := m.Config.Vision.ImageSize
	for _, path := range fs.Args() {
		px, err := readImage(path, size)
		if err != nil {
			return err
		}
		pixels := b.Upload(px, 1, 3, size, size)
		var ids, mask [][]int
		if *prompt != "" {
			p := tok.Encode(*prompt)
			ids, mask = [][]int{p}, [][]int{ones(len(p))}
		}
		g, err := m.Generate(b, pixels, ids, mask, o)
		b.Free(pixels)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Printf("%s\t%s\n", path, strings.TrimSpace(tok.Decode(g.IDs[0], true)))
	}
	return nil
}

// textTokenizer is what captioning needs of the language model's tokenizer.
type textTokenizer interface {
	Encode(text string) []int
	Decode(ids []int, skipSpecial bool) string
}

func ones(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}
