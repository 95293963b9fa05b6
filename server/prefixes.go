//go:build !(js && wasm)

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/nn"
	"blip2/model/tokenizer"
)

// prefixesUsage is the -prefixes flag of the commands that caption.
const prefixesUsage = "start each caption with the prefix of its image's nearest example caption by ITC, from the model folder's " + app.PrefixesFile + " when it has one (false: the language model alone chooses the first words)"

// loadPrefixBank makes the caption prefixes of the model folder dir ready,
// with their stored embeddings when it has them (app.PrefixEmbedsFile);
// nil when it has none or the model cannot choose among them (no ITC
// heads or no OPT language model).
func loadPrefixBank(dir string, m *blip2.Model, b nn.Backend, lm app.Tokenizer) (*app.PrefixBank, error) {
	raw, err := os.ReadFile(filepath.Join(dir, app.PrefixesFile))
	if errors.Is(err, os.ErrNotExist) || !m.Retrieval() || m.OPT == nil {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	q, err := tokenizer.LoadWordPiece(dir)
	if err != nil {
		return nil, err
	}
	embeds, err := os.ReadFile(filepath.Join(dir, app.PrefixEmbedsFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := app.LoadPrefixBank(raw, embeds, m, b, lm, q)
	if k != nil && k.StoredErr != nil {
		fmt.Fprintf(os.Stderr, "caption prefixes: embedded anew: %v\n", k.StoredErr)
	}
	return k, err
}

// writePrefixEmbeds embeds the caption prefixes of the converted folder dir
// on the named backend and writes them beside them (app.PrefixEmbedsFile),
// so that the page loads them instead of running the text side over every
// example. Nothing to do when dir has no prefixes or its model cannot use
// them.
func writePrefixEmbeds(dir, device string) error {
	if _, err := os.Stat(filepath.Join(dir, app.PrefixesFile)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	b, done, err := openBackend(device)
	if err != nil {
		return fmt.Errorf("embedding the caption prefixes: %w (-device cpu embeds them on the CPU)", err)
	}
	defer done()
	m, _, err := loadModel(dir, b)
	if err != nil {
		return err
	}
	if !m.Retrieval() || m.OPT == nil {
		return nil
	}
	lm, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	if err != nil {
		return err
	}
	start := time.Now()
	k, err := loadPrefixBank(dir, m, b, lm)
	if err != nil || k == nil {
		return err
	}
	defer k.Free()
	if err := app.WritePrefixEmbeds(dir, k); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "caption prefixes: %d examples embedded in %.1f s (%s)\n", k.Examples(), time.Since(start).Seconds(), app.PrefixEmbedsFile)
	return nil
}
