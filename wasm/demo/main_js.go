//go:build js && wasm

// Command demo is the page: it streams the default model (or the one the
// URL's ?model= names), opens WebGPU, and captions the images a person
// picks, in this tab. It only wires DOM events to model/app, the code
// `server caption` runs; index.html loads it. The data-testid values are
// the contract web/test/demo-test.mjs relies on.
package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall/js"
	"time"

	"blip2/model/app"
	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/image"
	"blip2/model/nn"
	"blip2/model/stream"
	"blip2/model/tokenizer"
	"blip2/wasm/jsutil"
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
		ui.setStatus("ready", "Ready: pick an image to caption it.")
		// One worker runs everything that touches the device, one job at a
		// time and outside every JS callback (GPU readbacks block): the
		// gallery's indexing in batches, captions, searches.
		work := make(chan func(), 64)
		var busy atomic.Bool
		ui.onImage(func(data []byte, note, src string) {
			if !busy.CompareAndSwap(false, true) {
				ui.setStatus("ready", "Still captioning the last image; pick again when it is done.")
				return
			}
			work <- func() {
				defer busy.Store(false)
				caption(ui, c, data, note)
				if srch != nil {
					srch.addPicked(data, src)
				}
			}
		})
		ui.setSearch("indexing", "Indexing the gallery…")
		srch, err = newSearch(ui, c, modelURL())
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

// srch is the page's search, once its index exists.
var srch *search

func caption(ui *ui, c *app.Captioner, data []byte, note string) {
	ui.setCaption("pending", "Captioning…", "")
	text, t, err := c.CaptionBytes(data, ui.prompt())
	if err != nil {
		ui.setCaption("done", "", "Not captioned: "+err.Error())
		return
	}
	ui.setCaption("done", text, note+t.String())
	if px, err := image.Preprocess(data, c.Model.Config.Vision.ImageSize); err == nil {
		if maps, err := c.AttentionMaps(px); err == nil {
			ui.heat.show(maps)
		}
	}
}

// load opens the device, streams the model and its tokenizer, and returns
// the captioner.
func load(ui *ui) (*app.Captioner, error) {
	ui.setStatus("loading", "Opening WebGPU…")
	backend, err := openBackend(ui)
	if err != nil {
		return nil, err
	}
	base := modelURL()
	mjs, err := jsutil.Fetch(base + "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("the model's manifest: %w", err)
	}
	m, err := stream.ParseManifest(bytes.NewReader(mjs))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	s, fetched := streamShards(ui, base, m)
	model, err := stream.LoadModel(s)
	s.Release()
	if err != nil {
		return nil, err
	}
	tj, err := jsutil.Fetch(base + "tokenizer.json")
	if err != nil {
		return nil, fmt.Errorf("the language model's tokenizer: %w", err)
	}
	tok, err := tokenizer.ParseBPE(tj, tokenizer.OPTOptions())
	if err != nil {
		return nil, err
	}
	ui.model.SetTextContent(fmt.Sprintf("%s: %s in %d shards, loaded in %s (%s)", strings.TrimSuffix(base, "/"), mb(fetched.total), len(m.Shards), ms(time.Since(start)), fetched))
	return &app.Captioner{Model: model, Backend: backend, Tok: tok, Options: app.CaptionOptions()}, nil
}

// openBackend is WebGPU, or, where the browser has none (or ?cpu=1 asks),
// the pure-Go reference kernels compiled into this wasm: slower, the same
// model code and the same results.
func openBackend(ui *ui) (nn.Backend, error) {
	reason := ""
	switch {
	case pageQuery("cpu") == "1":
		reason = "?cpu=1 asked for the CPU"
	case !js.Global().Get("navigator").Get("gpu").Truthy():
		reason = "this browser does not expose WebGPU"
	}
	if reason == "" {
		name, isCPU := jsutil.AdapterInfo()
		d, err := gpu.Open(context.Background())
		if err == nil {
			d.Describe(name, isCPU)
			ui.adapter.SetTextContent(fmt.Sprintf("%s (%s)", d.Info, d.Info.Class))
			return gpu.NewBackend(d), nil
		}
		reason = fmt.Sprintf("WebGPU gave no device (%v)", err)
	}
	ui.adapter.SetTextContent("No WebGPU: " + reason + ". Running the pure-Go reference kernels in WebAssembly on the CPU instead: slower, the same results.")
	return cpu.New(), nil
}

// modelURL is ?model=URL (a folder with manifest.json) or the default.
func modelURL() string {
	u, err := url.Parse(js.Global().Get("location").Get("href").String())
	if err != nil {
		return defaultModel
	}
	m := u.Query().Get("model")
	if m == "" {
		return defaultModel
	}
	return strings.TrimSuffix(m, "/") + "/"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
func mb(n int64) string         { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
func pct(a, b int64) int64 {
	if b == 0 {
		return 100
	}
	return 100 * a / b
}
