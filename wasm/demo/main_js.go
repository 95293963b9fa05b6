//go:build js && wasm

// Command demo is the page: it streams the default model (or the one the
// URL's ?model= names), opens WebGPU, and captions the images a person
// picks, in this tab. It only wires DOM events to model/app, the code
// `server caption` runs; index.html loads it. The data-testid values are
// the contract web/test/demo-test.mjs relies on.
package main

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"blip2/model/app"
	"blip2/wasm/modelload"
)

const defaultModel = "web/models/default/"

func main() {
	ui := newUI()
	go func() {
		c, err := load(ui)
		if err != nil {
			ui.setStatus("error", "Could not start: "+err.Error())
			ui.setSearch("error", "No search without a model.")
			return
		}
		// One worker runs everything that touches the device, one job at a
		// time and outside every JS callback (GPU readbacks block): the
		// gallery's indexing in batches, captions, searches.
		work := make(chan func(), 64)
		ui.setSearch("indexing", "Indexing the gallery…")
		srch, err := newSearch(ui, c, modelURL())
		var jobs []func()
		if err == nil {
			jobs, err = srch.galleryJobs()
		}
		if err != nil {
			srch = nil
			ui.setSearch("error", "Search is unavailable: "+err.Error())
		} else {
			ui.onSearch(func(text string) { work <- func() { srch.run(text) } })
		}
		// The newest picked image waits here; one queued job takes it, so a
		// pick made while the device is busy replaces an older waiting one
		// instead of being dropped.
		type pick struct {
			data []byte
			note string
		}
		var latest atomic.Pointer[pick]
		ui.onImage(func(data []byte, note string) {
			ui.setCaption("pending", "Waiting for the GPU…", "")
			if latest.Swap(&pick{data, note}) != nil {
				return // the job already queued will take this one
			}
			work <- func() {
				p := latest.Swap(nil)
				if px := caption(ui, c, p.data, p.note); px != nil && srch != nil {
					srch.addPicked(p.data, px)
				}
			}
		})
		ui.setStatus("ready", "Ready: pick an image to caption it.")
		go func() {
			for _, j := range jobs {
				work <- j
			}
		}()
		for job := range work {
			job()
		}
	}()
	select {}
}

// caption captions a picked image, draws where its queries look, and
// returns its pixels (nil if it is no image), decoded once for all three.
func caption(ui *ui, c *app.Captioner, data []byte, note string) []float32 {
	ui.setCaption("pending", "Captioning…", "")
	start := time.Now()
	px, err := c.Preprocess(data)
	if err != nil {
		ui.setCaption("done", "", "Not captioned: "+err.Error())
		return nil
	}
	pre := time.Since(start)
	text, t, err := c.CaptionTimed(px, ui.prompt())
	t.Preprocess = pre
	if err != nil {
		ui.setCaption("done", "", "Not captioned: "+err.Error())
		return nil
	}
	ui.setCaption("done", text, note+t.String())
	if maps, err := c.AttentionMaps(px); err == nil {
		ui.heat.show(maps)
	}
	return px
}

// load opens the device, streams the model and its tokenizer, and returns
// the captioner.
func load(ui *ui) (*app.Captioner, error) {
	ui.setStatus("loading", "Opening WebGPU…")
	backend, desc := modelload.OpenBackend(pageQuery("cpu") == "1")
	ui.adapter.SetTextContent(desc)
	c, line, err := modelload.Captioner(modelURL(), backend, func(s string) { ui.setStatus("loading", s) })
	if err != nil {
		return nil, err
	}
	ui.model.SetTextContent(line)
	return c, nil
}

// modelURL is ?model=URL (a folder with manifest.json) or the default.
func modelURL() string {
	m := pageQuery("model")
	if m == "" {
		return defaultModel
	}
	return strings.TrimSuffix(m, "/") + "/"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
