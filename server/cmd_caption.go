//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"os"

	"blip2/model/app"
	"blip2/model/tokenizer"
)

func init() {
	register("caption", "caption images (or answer a prompt about them) with a BLIP-2 checkpoint", runCaption)
}

func runCaption(args []string) error {
	fs := flag.NewFlagSet("caption", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", defaultModel, "model folder (streaming format or Hugging Face layout; OPT or Flan-T5 language model) with its tokenizer files, or a fine-tuned weights file (.safetensors) the demo page exported, laid over the shipped model")
	prompt := fs.String("prompt", "", `text after the visual prompt, e.g. "Question: what is this? Answer:"`)
	device := fs.String("device", "gpu", "gpu or cpu")
	times := fs.Bool("times", false, "print each image's stage times (preprocess, image encoder, Q-Former, language model) to stderr")
	o, def := app.CaptionOptions(), app.CaptionOptions()
	fs.IntVar(&o.MaxNewTokens, "max-new-tokens", def.MaxNewTokens, "new tokens at most")
	fs.IntVar(&o.MinNewTokens, "min-new-tokens", def.MinNewTokens, "new tokens at least")
	fs.IntVar(&o.NumBeams, "beams", def.NumBeams, "beam width (1: greedy)")
	fs.Float64Var(&o.LengthPenalty, "length-penalty", def.LengthPenalty, "beam scores divided by length^this")
	fs.Float64Var(&o.GuideWeight, "guide", def.GuideWeight, app.GuideUsage)
	usePrefixes := fs.Bool("prefixes", true, prefixesUsage)
	fs.Float64Var(&o.RepetitionPenalty, "repetition-penalty", def.RepetitionPenalty, "> 1 discourages repeats")
	fs.BoolVar(&o.Sample, "sample", def.Sample, "nucleus sampling instead of search")
	fs.Float64Var(&o.TopP, "top-p", def.TopP, "nucleus mass when sampling")
	fs.Float64Var(&o.Temperature, "temperature", def.Temperature, "softmax temperature when sampling")
	fs.Uint64Var(&o.Seed, "seed", def.Seed, "sampling seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("usage: caption [-checkpoint DIR] [-beams N] [-guide W] [-prompt S] IMAGE...")
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	m, dir, err := loadModel(*ckpt, b)
	if err != nil {
		return err
	}
	var tok app.Tokenizer
	switch {
	case m.OPT != nil:
		// The OPT tokenizer prepends its </s> BOS, as BLIP-2's processor does.
		tok, err = tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	case m.T5 != nil:
		// Flan-T5 prompts go to the encoder, with the </s> T5 appends.
		tok, err = tokenizer.LoadT5(dir)
	default:
		return fmt.Errorf("%s has no language model to caption with", *ckpt)
	}
	if err != nil {
		return err
	}
	c := &app.Captioner{Model: m, Backend: b, Tok: tok, Options: o}
	if o.GuideWeight > 0 && m.Retrieval() {
		if c.QTok, err = tokenizer.LoadWordPiece(dir); err != nil {
			return err
		}
	}
	if *usePrefixes && *prompt == "" {
		if c.Prefixes, err = loadPrefixBank(dir, m, b, tok); err != nil {
			return err
		}
	}
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text, t, err := c.CaptionBytes(data, *prompt)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Printf("%s\t%s\n", path, text)
		if *times {
			fmt.Fprintf(os.Stderr, "%s\t%s\n", path, t)
		}
	}
	return nil
}
