//go:build !(js && wasm)

package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/eval"
	"blip2/model/image"
	"blip2/model/tokenizer"
	"blip2/model/trainer"
)

func init() {
	register("sheet", "a PNG of captions: random images of a split beside images from outside the dataset", runSheet)
}

func runSheet(args []string) error {
	fs := flag.NewFlagSet("sheet", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", defaultModel, "model folder with its language model's tokenizer")
	data := fs.String("data", "", "dataset folder built by `server data`")
	split := fs.String("split", "test", "the split the random images come from")
	n := fs.Int("n", 24, "random images of the split")
	seed := fs.Uint64("seed", 1, "which random images")
	outside := fs.String("outside", "docs/model-card/outside", "folder of images that are not from the dataset ('' for none)")
	out := fs.String("out", "", "PNG to write")
	device := fs.String("device", "gpu", "gpu or cpu")
	o, def := blip2.GenerateOptions{MinNewTokens: 1, LengthPenalty: 1}, app.CaptionOptions()
	fs.IntVar(&o.NumBeams, "beams", def.NumBeams, "beam width (1: greedy)")
	fs.Float64Var(&o.GuideWeight, "guide", def.GuideWeight, app.GuideUsage)
	usePrefixes := fs.Bool("prefixes", true, prefixesUsage)
	fs.IntVar(&o.MaxNewTokens, "max-new-tokens", 24, "new tokens at most")
	fs.Float64Var(&o.RepetitionPenalty, "repetition-penalty", def.RepetitionPenalty, "> 1 discourages repeats (1: Hugging Face's decoding)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *out == "" || *n < 1 {
		return fmt.Errorf("usage: sheet [-checkpoint DIR] -data DIR -out PNG [-split S -n N -seed S -outside DIR]")
	}
	pairs, err := trainer.LoadPairs(*data, *split)
	if err != nil {
		return err
	}
	pick := rand.New(rand.NewPCG(*seed, 0)).Perm(len(pairs))[:min(*n, len(pairs))]
	sort.Ints(pick)
	var files, notes []string
	for _, i := range pick {
		files = append(files, filepath.Join(*data, pairs[i].File))
		notes = append(notes, pairs[i].Captions[0])
	}
	split0 := len(files)
	if *outside != "" {
		paths, err := galleryImages(*outside)
		if err != nil {
			return err
		}
		for _, p := range paths {
			files = append(files, p)
			notes = append(notes, strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)))
		}
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
	tok, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	if err != nil {
		return err
	}
	var qtok app.Tokenizer
	guided := o.GuideWeight > 0 && m.Retrieval()
	if guided {
		if qtok, err = tokenizer.LoadWordPiece(dir); err != nil {
			return err
		}
	}
	var bank *app.PrefixBank
	if *usePrefixes {
		if bank, err = loadPrefixBank(dir, m, b, tok); err != nil {
			return err
		}
	}
	imgs := make([]*image.RGB, len(files))
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if imgs[i], err = image.Decode(raw); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	size := m.Config.Vision.ImageSize
	pixels := func(i int) ([]float32, error) { return readImage(files[i], size) }
	caps, err := eval.Caption(b, m, len(files), pixels, func(ids []int) string { return tok.Decode(ids, true) }, o, captionDecoding(m, b, tok, qtok, o.GuideWeight, bank), os.Stderr)
	if err != nil {
		return err
	}
	panels := []eval.SheetPanel{{Title: fmt.Sprintf("%d random %s images (grey: the dataset's caption)", split0, *split)},
		{Title: fmt.Sprintf("%d images from outside the dataset (grey: file)", len(files)-split0)}}
	for i := range files {
		fmt.Printf("%s\t%s\n", files[i], caps[i])
		p := &panels[0]
		if i >= split0 {
			p = &panels[1]
		}
		p.Cells = append(p.Cells, eval.SheetCell{Image: imgs[i], Caption: caps[i], Note: notes[i]})
	}
	if split0 == len(files) {
		panels = panels[:1]
	}
	var buf bytes.Buffer
	title := fmt.Sprintf("%s: captions, %d beams", filepath.Base(filepath.Clean(*ckpt)), o.NumBeams)
	if bank != nil {
		title += ", the start of ITC's nearest example"
	}
	if guided {
		title += fmt.Sprintf(", ITC guide %g", o.GuideWeight)
	}
	if err := png.Encode(&buf, eval.CaptionSheet(title, panels, 4)); err != nil {
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}
