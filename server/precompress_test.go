//go:build !(js && wasm)

package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestPrecompressRoundTrip: both variants decode to the original.
func TestPrecompressRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.wasm")
	raw := bytes.Repeat([]byte("\x00asm wasm bytes "), 4096)
	os.WriteFile(path, raw, 0o644)
	if err := runPrecompress([]string{path}); err != nil {
		t.Fatal(err)
	}
	for suffix, open := range map[string]func(io.Reader) (io.Reader, error){
		".gz": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		".br": func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	} {
		f, err := os.Open(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		r, err := open(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		f.Close()
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("%s does not decode to the original (%v)", suffix, err)
		}
	}
}
