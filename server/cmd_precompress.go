//go:build !(js && wasm)

package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/andybalholm/brotli"

	"blip2/model/atomicfile"
)

func init() {
	register("precompress", "write FILE.br and FILE.gz beside each FILE for serve to negotiate (make build-wasm runs it)", runPrecompress)
}

func runPrecompress(args []string) error {
	fs := flag.NewFlagSet("precompress", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("usage: precompress FILE...")
	}
	for _, path := range fs.Args() {
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, v := range []struct {
			suffix string
			new    func(io.Writer) io.WriteCloser
		}{
			{".br", func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, 9) }},
			{".gz", func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, gzip.BestCompression); return z }},
		} {
			var buf bytes.Buffer
			z := v.new(&buf)
			if _, err := z.Write(raw); err != nil {
				return err
			}
			if err := z.Close(); err != nil {
				return err
			}
			// Written whole and renamed in, the variant is also newer than its
			// original, which is how serve knows it is current.
			if err := atomicfile.WriteFile(path+v.suffix, buf.Bytes()); err != nil {
				return err
			}
			fmt.Printf("%s%s: %d → %d bytes (%.0f%%)\n", path, v.suffix, len(raw), buf.Len(), 100*float64(buf.Len())/float64(len(raw)))
		}
	}
	return nil
}
