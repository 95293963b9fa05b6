//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"os"

	"blip2/model/blip2"
	"blip2/model/tokenizer"
)

func init() {
	register("search", "rank images for a text with a BLIP-2 retrieval checkpoint (ITC, then ITM re-ranking)", runSearch)
}

func runSearch(args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", "", "Hugging Face BLIP-2 retrieval folder (e.g. blip2-itm-vit-g) with its BERT tokenizer files")
	query := fs.String("query", "", "the text to search for")
	rerank := fs.Int("rerank", 16, "how many ITC results ITM re-ranks")
	device := fs.String("device", "gpu", "gpu or cpu")
	maxLen := fs.Int("max-text-len", 35, "text tokens at most")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" || *query == "" || fs.NArg() == 0 {
		return fmt.Errorf("usage: search -checkpoint DIR -query TEXT image...")
	}
	m, err := loadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	tok, err := tokenizer.LoadWordPiece(*ckpt)
	if err != nil {
		return err
	}
	ids := tok.Encode(*query)
	if len(ids) > *maxLen {
		return fmt.Errorf("query is %d tokens, over -max-text-len %d", len(ids), *maxLen)
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	// Encode in batches of 8 so memory stays bounded for large galleries.
	size := m.Config.Vision.ImageSize
	g := &blip2.Gallery{}
	defer func() { g.Free(b) }()
	paths := fs.Args()
	for start := 0; start < len(paths); start += 8 {
		batch := paths[start:min(start+8, len(paths))]
		var px []float32
		for _, path := range batch {
			p, err := readImage(path, size)
			if err != nil {
				return err
			}
			px = append(px, p...)
		}
		pixels := b.Upload(px, len(batch), 3, size, size)
		part, err := m.EmbedImages(b, pixels)
		b.Free(pixels)
		if err != nil {
			return err
		}
		g.Append(b, part)
		fmt.Fprintf(os.Stderr, "\rencoded %d/%d images", start+len(batch), len(paths))
	}
	fmt.Fprintln(os.Stderr)
	hits, err := m.Search(b, g, ids, ones(len(ids)), *rerank)
	if err != nil {
		return err
	}
	fmt.Println("rank\titm\titc\timage")
	for i, h := range hits {
		itm := "-"
		if h.ITM >= 0 {
			itm = fmt.Sprintf("%.4f", h.ITM)
		}
		fmt.Printf("%d\t%s\t%.4f\t%s\n", i+1, itm, h.ITC, fs.Arg(h.Index))
	}
	return nil
}
