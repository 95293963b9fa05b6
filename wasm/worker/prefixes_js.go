package main

import (
	"fmt"
	"strings"
	"syscall/js"

	"blip2/model/app"
	"blip2/wasm/jsutil"
)

// loadPrefixes makes the caption prefixes beside the model at base ready
// (app.PrefixesFile), with their stored embeddings when the folder has
// them (app.PrefixEmbedsFile; without, every example is embedded here);
// nil when the model has none (a 404).
func loadPrefixes(c *app.Captioner, base string) (*app.PrefixBank, error) {
	raw, err := jsutil.Fetch(base + app.PrefixesFile)
	if err != nil {
		if strings.Contains(err.Error(), "HTTP 404") {
			return nil, nil
		}
		return nil, fmt.Errorf("the caption prefixes: %w", err)
	}
	embeds, err := jsutil.Fetch(base + app.PrefixEmbedsFile)
	if err != nil && !strings.Contains(err.Error(), "HTTP 404") {
		return nil, fmt.Errorf("the caption prefixes' embeddings: %w", err)
	}
	k, err := app.LoadPrefixBank(raw, embeds, c.Model, c.Backend, c.Tok, c.QTok)
	if k != nil && k.StoredErr != nil {
		js.Global().Get("console").Call("warn", "caption prefixes embedded anew: "+k.StoredErr.Error())
	}
	return k, err
}
