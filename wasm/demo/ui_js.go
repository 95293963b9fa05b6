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
	searchStatus, results, searchNote       dom.Element
	input, promptInput, searchInput         *dom.HTMLInputElement
	preview                                 *dom.HTMLImageElement
	heat                                    *heatmap
}

// byTestID is the page's element with that data-testid.
func byTestID(id string) dom.Element {
	return dom.GetWindow().Document().QuerySelector(`[data-testid="` + id + `"]`)
}

func newUI() *ui {
	by := byTestID
	return &ui{
		status: by("status"), adapter: by("adapter"), model: by("model"), caption: by("caption"), timing: by("timing"),
		input: by("image-input").(*dom.HTMLInputElement), promptInput: by("prompt-input").(*dom.HTMLInputElement),
		preview:      by("preview").(*dom.HTMLImageElement),
		searchStatus: by("search-status"), results: by("search-results"), searchNote: by("search-note"),
		searchInput: by("search-input").(*dom.HTMLInputElement),
		heat:        newHeatmap(by),
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

// onImage calls f with the bytes of each file picked (an image too large
// to decode redrawn smaller by the browser first) and a note on what was
// done to it. The callback only starts a goroutine: reading the file
// awaits a Promise, which must never happen inside a JS callback.
func (u *ui) onImage(f func(data []byte, note string)) {
	u.input.AddEventListener("change", false, func(dom.Event) {
		files := u.input.Files()
		if len(files) == 0 {
			return
		}
		file := files[0].Value
		src := js.Global().Get("URL").Call("createObjectURL", file).String()
		u.preview.SetSrc(src)
		go func() {
			data, err := jsutil.BlobBytes(file)
			if err == nil {
				var note string
				if data, note, err = fitForDecode(file, data); err == nil {
					f(data, note)
					return
				}
			}
			u.setCaption("done", "", "Not captioned: "+err.Error())
		}()
	})
}
