//go:build !(js && wasm)

package main

import (
	"os"
	"path/filepath"
	"testing"

	"blip2/model/app"
	"blip2/model/cpu"
	"blip2/model/tokenizer"
)

// TestShippedPrefixEmbedsMatchTheModel: the default model's stored
// caption-prefix embeddings belong to its prefix file and its weights, so
// the page and the commands use them instead of embedding every example
// (a prefix file written anew without `convert` would fail here).
func TestShippedPrefixEmbedsMatchTheModel(t *testing.T) {
	dir := filepath.Join("..", defaultModel)
	if _, err := os.Stat(filepath.Join(dir, app.PrefixEmbedsFile)); err != nil {
		t.Fatalf("the default model has no %s: %v", app.PrefixEmbedsFile, err)
	}
	b := cpu.New()
	m, _, err := loadModel(dir, b)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	if err != nil {
		t.Fatal(err)
	}
	k, err := loadPrefixBank(dir, m, b, lm)
	if err != nil || k == nil {
		t.Fatalf("bank %v, error %v", k, err)
	}
	if !k.Stored {
		t.Fatalf("the stored embeddings were not used: %v", k.StoredErr)
	}
}
