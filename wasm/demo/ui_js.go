//go:build js && wasm

package main

import (
	"syscall/js"

	"blip2/wasm/jsutil"

	"honnef.co/go/js/dom/v2"
)

// ui holds the page's elements, found by data-testid.
type ui struct {
	status, adapter, model, caption, timing dom.Element
	input, promptInput                      *dom.HTMLInputElement
	preview                                 *dom.HTMLImageElement
}

func newUI() *ui {
	doc := dom.GetWindow().Document()
	by := func(id string) dom.Element { return doc.QuerySelector(`[data-testid="` + id + `"]`) }
	return &ui{
		status: by("status"), adapter: by("adapter"), model: by("model"), caption: by("caption"), timing: by("timing"),
		input: by("image-input").(*dom.HTMLInputElement), promptInput: by("prompt-input").(*dom.HTMLInputElement),
		preview: by("preview").(*dom.HTMLImageElement),
	}
}

func (u *ui) setStatus(state, text string) {
	u.status.SetAttribute("data-state", state)
	u.status.SetTextContent(text)
}

func (u *ui) setCaption(state, text, timing string) {
	u.caption.SetAttribute("data-state", state)
	u.caption.SetTextContent(text)
	u.timing.SetTextContent(timing)
}

func (u *ui) prompt() string { return u.promptInput.Value() }

// onImage calls f with the bytes of each file picked. The callback only
// starts a goroutine: reading the file awaits a Promise, which must never
// happen inside a JS callback.
func (u *ui) onImage(f func(data []byte)) {
	u.input.AddEventListener("change", false, func(dom.Event) {
		files := u.input.Files()
		if len(files) == 0 {
			return
		}
		file := files[0].Value
		u.preview.SetSrc(js.Global().Get("URL").Call("createObjectURL", file).String())
		go func() {
			buf, err := jsutil.Await(file.Call("arrayBuffer"))
			if err != nil {
				u.setCaption("done", "", "Could not read the file: "+err.Error())
				return
			}
			arr := js.Global().Get("Uint8Array").New(buf)
			data := make([]byte, arr.Get("length").Int())
			js.CopyBytesToGo(data, arr)
			f(data)
		}()
	})
}
