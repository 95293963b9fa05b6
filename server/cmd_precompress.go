//go:build !(js && wasm)

package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
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
			if err := writeBeside(path+v.suffix, buf.Bytes()); err != nil {
				return err
			}
			fmt.Printf("%s%s: %d → %d bytes (%.0f%%)\n", path, v.suffix, len(raw), buf.Len(), 100*float64(buf.Len())/float64(len(raw)))
		}
	}
	return nil
}

// writeBeside writes path through a temporary file and a rename, so the
// server never sends a half-written variant; the rename also makes it
// newer than its original, which is how serve knows it is current.
func writeBeside(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
