//go:build js && wasm

// Command worker is the demo page's model, run in a dedicated Web Worker
// so that nothing it does (downloads, GPU readbacks, decoding, beam
// search) holds up the page's main thread. gogpu's browser backend opens
// WebGPU from the worker (workers have navigator.gpu). It has no DOM: the
// page (wasm/demo) starts it through web/worker.js with its options in
// the query string (model and gallery-base, absolute folder URLs; gallery,
// cpu, webgpu) and draws what it posts back.
//
// The page posts {type: "caption", id, image (bytes), note, prompt} and
// {type: "search", text}. The worker posts {type: "status" | "search-status",
// state, text}, {type: "adapter" | "model", text}, {type: "caption", id,
// state, text, timing, maps} and {type: "results", hits: [{id, src, itc,
// itm}], note}.
package main

import (
	"fmt"
	"sync/atomic"
	"syscall/js"
	"time"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/wasm/jsutil"
	"blip2/wasm/modelload"
)

func post(msg map[string]any) { js.Global().Call("postMessage", msg) }

func status(state, text string) { post(map[string]any{"type": "status", "state": state, "text": text}) }

// pick is an image the page sent to caption (and, once decoded, index
// under id).
type pick struct {
	data           []byte
	id, note, text string
}

func main() {
	// One loop runs everything that touches the device, one job at a time
	// and outside every JS callback (GPU readbacks block): the gallery's
	// indexing in batches, captions, searches. The handler only copies
	// each request out.
	work := make(chan func(), 64)
	// A callback never waits on a full queue: it hands the jobs to a
	// goroutine that does, in order.
	enqueue := func(jobs ...func()) {
		go func() {
			for _, j := range jobs {
				work <- j
			}
		}()
	}
	one := func(job func()) { enqueue(job) }
	var (
		c      *app.Captioner
		srch   *search
		tune   *tuning
		latest atomic.Pointer[pick]
	)
	js.Global().Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		d := args[0].Get("data")
		switch d.Get("type").String() {
		case "caption":
			p := &pick{data: jsutil.BytesFromJS(d.Get("image")), id: d.Get("id").String(), note: d.Get("note").String(), text: d.Get("prompt").String()}
			// The newest image waits here; one queued job takes it, so a
			// pick made while the device is busy replaces an older waiting
			// one instead of being dropped.
			if latest.Swap(p) != nil {
				return nil
			}
			enqueue(func() {
				p := latest.Swap(nil)
				if c == nil {
					return
				}
				if px := caption(c, p); px != nil && srch != nil {
					srch.addPicked(p.id, px)
				}
			})
		case "search":
			text := d.Get("text").String()
			enqueue(func() {
				if srch != nil {
					srch.run(text)
				}
			})
		case "finetune-stop":
			// Taken at once, not queued: the running session ends after
			// the step in progress.
			if tune != nil {
				tune.stop.Store(true)
			}
		default:
			if job := tuneJob(d, &tune, one); job != nil {
				enqueue(job)
			}
		}
		return nil
	}))
	// Loading is the first job, so every request waits for the model.
	work <- func() {
		var err error
		if c, err = load(); err != nil {
			status("error", "Could not start: "+err.Error())
			searchStatus("error", "No search without a model.")
			return
		}
		searchStatus("indexing", "Indexing the gallery…")
		s, err := newSearch(c, jsutil.Query("model"), jsutil.Query("gallery-base"), jsutil.Query("gallery"), enqueue)
		if err == nil {
			c.QTok = s.index.Tok // ITC chooses among the caption's beams (app.CaptionOptions)
			var perr error
			if c.Prefixes, perr = loadPrefixes(c, jsutil.Query("model")); perr != nil {
				// Captions still work, starting as the language model likes.
				js.Global().Get("console").Call("warn", "caption prefixes: "+perr.Error())
			}
			tune, err = newTuning(c, s, jsutil.Query("model"))
		}
		var jobs []func()
		if err == nil {
			jobs, err = s.galleryJobs()
		}
		if err != nil {
			searchStatus("error", "Search is unavailable: "+err.Error())
		} else {
			srch = s
		}
		status("ready", "Ready: pick an image to caption it.")
		if tune != nil {
			// Weights tuned on an earlier visit come back first: the
			// gallery is then indexed with them.
			if file, ok := loadTuned(tune.key); ok {
				tune.importFile(file, true)
				if tune.file != nil {
					return
				}
			}
		}
		enqueue(jobs...)
	}
	for job := range work {
		job()
	}
}

// load opens the device, streams the model and its tokenizer, and returns
// the captioner.
func load() (*app.Captioner, error) {
	status("loading", "Opening WebGPU…")
	skip := ""
	switch {
	case jsutil.Query("cpu") == "1":
		skip = "?cpu=1 asked for the CPU"
	case jsutil.Query("webgpu") == "0":
		skip = "this browser does not expose WebGPU" // to the page; its worker follows
	}
	backend, desc := modelload.OpenBackend(skip)
	post(map[string]any{"type": "adapter", "text": desc})
	c, line, err := modelload.Captioner(jsutil.Query("model"), backend, func(s string) { status("loading", s) })
	if err != nil {
		return nil, err
	}
	post(map[string]any{"type": "model", "text": line})
	return c, nil
}

// caption captions a picked image, sends where its queries look, and
// returns its pixels (nil if it is no image), decoded once for all three.
func caption(c *app.Captioner, p *pick) []float32 {
	send := func(state, text, timing string, maps []any) {
		post(map[string]any{"type": "caption", "id": p.id, "state": state, "text": text, "timing": timing, "maps": maps})
	}
	send("pending", "Captioning…", "", nil)
	start := time.Now()
	px, err := c.Preprocess(p.data)
	if err != nil {
		send("done", "", "Not captioned: "+err.Error(), nil)
		return nil
	}
	pre := time.Since(start)
	text, t, err := c.CaptionTimed(px, p.text)
	t.Preprocess = pre
	if err != nil {
		send("done", "", "Not captioned: "+err.Error(), nil)
		return nil
	}
	maps, err := c.AttentionMaps(px)
	if err != nil {
		maps = nil // the caption stands without its heatmap
	}
	send("done", text, p.note+t.String(), mapsMessage(maps))
	return px
}

// mapsMessage is each cross-attention layer's weights over the image
// tokens, averaged over heads: over every query first, then per query,
// (queries+1)·tokens floats as little-endian bytes, which the page draws.
func mapsMessage(maps []blip2.AttentionMap) []any {
	out := make([]any, len(maps))
	for i := range maps {
		m := &maps[i]
		var means []float32
		for q := -1; q < m.Q; q++ {
			means = append(means, m.Mean(q)...)
		}
		out[i] = map[string]any{"layer": m.Layer, "queries": m.Q, "tokens": m.Nv, "means": jsutil.BytesToJS(jsutil.FloatsLE(means))}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
