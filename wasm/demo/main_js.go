//go:build js && wasm

// Command demo is the page. It draws and takes input; the model runs in a
// dedicated Web Worker (wasm/worker, started through web/worker.js), so
// the page's main thread never waits on the GPU: it posts each picked
// image and each search to the worker and shows what comes back. The
// worker streams the default model (or the one the URL's ?model= names)
// and runs model/app, the code `server caption` and `server search` run,
// and model/finetune, the training step `server train` runs.
// The data-testid values are the contract web/test/demo-test.mjs relies on.
package main

import (
	"fmt"
	"net/url"
	"strings"
	"syscall/js"

	"blip2/wasm/jsutil"
)

const (
	defaultModel = "web/models/default/"
	galleryBase  = "web/gallery/"
)

func main() {
	ui := newUI()
	worker, err := startWorker()
	if err != nil {
		ui.setStatus("error", "Could not start the model's worker: "+err.Error())
		return
	}
	picked := map[string]string{} // a picked image's id: its thumbnail
	tune := newTunePanel(byTestID, func(msg map[string]any) { worker.Call("postMessage", msg) })
	worker.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		// Only DOM work here: nothing in a JS callback may wait.
		d := args[0].Get("data")
		text := d.Get("text").String()
		switch d.Get("type").String() {
		case "status":
			ui.setStatus(d.Get("state").String(), text)
		case "adapter":
			ui.adapter.SetTextContent(text)
		case "model":
			ui.model.SetTextContent(text)
		case "search-status":
			ui.setSearch(d.Get("state").String(), text)
		case "caption":
			ui.setCaption(d.Get("state").String(), text, d.Get("timing").String())
			if maps := d.Get("maps"); maps.Truthy() && maps.Length() > 0 {
				ui.heat.show(layerMaps(maps))
			}
		case "results":
			ui.showResults(d.Get("hits"), picked, d.Get("note").String())
		case "finetune":
			tune.onStatus(d)
		case "finetune-step":
			tune.onStep(d)
		case "finetune-file":
			download(d)
		}
		return nil
	}))
	worker.Set("onerror", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ui.setStatus("error", "The model's worker failed: "+args[0].Get("message").String())
		return nil
	}))
	n := 0
	ui.onImage(func(data []byte, note string) {
		n++
		id := fmt.Sprintf("picked-%d", n)
		// The thumbnail is a blob of the bytes already read, not the picked
		// file's URL, which stops working when the file goes away.
		blob := js.Global().Get("Blob").New([]any{jsutil.BytesToJS(data)})
		picked[id] = js.Global().Get("URL").Call("createObjectURL", blob).String()
		ui.setCaption("pending", "Waiting for the GPU…", "")
		worker.Call("postMessage", map[string]any{"type": "caption", "id": id, "image": jsutil.BytesToJS(data), "note": note, "prompt": ui.prompt()})
	})
	ui.onSearch(func(text string) { worker.Call("postMessage", map[string]any{"type": "search", "text": text}) })
	select {}
}

// startWorker starts the model's worker with the page's options: the
// model's and the gallery's folders as absolute URLs (the worker resolves
// against its own), ?gallery=N and ?cpu=1, and whether the page has
// WebGPU.
func startWorker() (w js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r) // no Worker, or it refused the script
		}
	}()
	q := url.Values{}
	q.Set("model", absolute(modelURL()))
	q.Set("gallery-base", absolute(galleryBase))
	for _, name := range []string{"gallery", "cpu"} {
		if v := jsutil.Query(name); v != "" {
			q.Set(name, v)
		}
	}
	if !js.Global().Get("navigator").Get("gpu").Truthy() {
		q.Set("webgpu", "0")
	}
	return js.Global().Get("Worker").New("web/worker.js?" + q.Encode()), nil
}

// absolute resolves a URL against the page's.
func absolute(ref string) string {
	return js.Global().Get("URL").New(ref, js.Global().Get("location").Get("href")).Get("href").String()
}

// modelURL is ?model=URL (a folder with manifest.json) or the default.
func modelURL() string {
	m := jsutil.Query("model")
	if m == "" {
		return defaultModel
	}
	return strings.TrimSuffix(m, "/") + "/"
}
