//go:build !(js && wasm)

package main

import (
	"errors"
	"os"
	"path/filepath"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/nn"
	"blip2/model/tokenizer"
)

// prefixesUsage is the -prefixes flag of the commands that caption.
const prefixesUsage = "start each caption with the prefix of its image's nearest example caption by ITC, from the model folder's " + app.PrefixesFile + " when it has one (false: the language model alone chooses the first words)"

// loadPrefixBank embeds the caption prefixes of the model folder dir; nil
// when it has none or the model cannot choose among them (no ITC heads or
// no OPT language model).
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
	return app.LoadPrefixBank(raw, m, b, lm, q)
}
