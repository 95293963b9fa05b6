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
	p, err := app.ParsePrefixes(raw)
	if err != nil {
		return nil, err
	}
	if !c.Model.Retrieval() || c.Model.OPT == nil {
		return nil, nil
	}
	return app.NewPrefixBank(c.Model, c.Backend, c.Tok, c.QTok, p)
}
