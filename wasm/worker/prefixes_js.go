package main

import (
	"fmt"
	"strings"

	"blip2/model/app"
	"blip2/wasm/jsutil"
)

// loadPrefixes embeds the caption prefixes beside the model at base
// (app.PrefixesFile); nil when the model has none (a 404).
func loadPrefixes(c *app.Captioner, base string) (*app.PrefixBank, error) {
	raw, err := jsutil.Fetch(base + app.PrefixesFile)
	if err != nil {
		if strings.Contains(err.Error(), "HTTP 404") {
			return nil, nil
		}
		return nil, fmt.Errorf("the caption prefixes: %w", err)
	}
	return app.LoadPrefixBank(raw, c.Model, c.Backend, c.Tok, c.QTok)
}
