//go:build js && wasm

// Command worker runs the page's model inside a dedicated Web Worker, so
// that nothing it does (downloads, GPU readbacks, decoding) can hold up
// the page's main thread. It has no DOM: it answers postMessage requests
// {id, image (bytes), prompt} with {id, caption, timing} or {id, error},
// after announcing {state: "ready", adapter, model} (or {state: "error"}).
// web/worker.js starts it; web/workertest.html drives it.
package main

import (
	"syscall/js"

	"blip2/wasm/modelload"
)

// modelBase is the default model, relative to web/worker.js.
const modelBase = "models/default/"

type request struct {
	id     js.Value
	image  []byte
	prompt string
}

func post(msg map[string]any) { js.Global().Call("postMessage", msg) }

func main() {
	reqs := make(chan request, 8)
	// The handler only copies the request out: captioning blocks on the
	// GPU, which must never happen inside a JS callback.
	js.Global().Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		d := args[0].Get("data")
		img := d.Get("image")
		b := make([]byte, img.Get("length").Int())
		js.CopyBytesToGo(b, img)
		reqs <- request{id: d.Get("id"), image: b, prompt: d.Get("prompt").String()}
		return nil
	}))
	go func() {
		backend, adapter := modelload.OpenBackend(false)
		c, line, err := modelload.Captioner(modelBase, backend, func(s string) { post(map[string]any{"state": "loading", "status": s}) })
		if err != nil {
			post(map[string]any{"state": "error", "error": err.Error()})
			return
		}
		post(map[string]any{"state": "ready", "adapter": adapter, "model": line})
		for r := range reqs {
			text, t, err := c.CaptionBytes(r.image, r.prompt)
			if err != nil {
				post(map[string]any{"id": r.id, "error": err.Error()})
				continue
			}
			post(map[string]any{"id": r.id, "caption": text, "timing": t.String()})
		}
	}()
	select {}
}
