//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"

	"honnef.co/go/js/dom/v2"
)

// showResults replaces the result list with the worker's hits ({id, src,
// itc, itm}; a picked image's thumbnail is the page's own).
func (u *ui) showResults(hits js.Value, picked map[string]string, note string) {
	doc := dom.GetWindow().Document()
	u.results.SetInnerHTML("")
	for i := 0; hits.Truthy() && i < hits.Length(); i++ {
		h := hits.Index(i)
		id, src := h.Get("id").String(), h.Get("src").String()
		if p, ok := picked[id]; ok {
			src = p
		}
		li := doc.CreateElement("li")
		li.SetAttribute("data-testid", "search-result")
		li.SetAttribute("data-id", id)
		img := doc.CreateElement("img")
		img.SetAttribute("src", src)
		img.SetAttribute("alt", id)
		li.AppendChild(img)
		label := doc.CreateElement("span")
		itm := "not re-ranked"
		if v := h.Get("itm").Float(); v >= 0 {
			itm = fmt.Sprintf("ITM %.2f", v)
		}
		label.SetTextContent(fmt.Sprintf("%s · ITC %.3f · %s", id, h.Get("itc").Float(), itm))
		li.AppendChild(label)
		u.results.AppendChild(li)
	}
	u.searchNote.SetTextContent(note)
	u.results.SetAttribute("data-state", "done")
}

func (u *ui) setSearch(state, text string) {
	u.searchStatus.SetAttribute("data-state", state)
	u.searchStatus.SetTextContent(text)
	if state == "ready" {
		u.searchInput.RemoveAttribute("disabled")
	}
}

// onSearch calls f with the text when Enter is pressed in the search box.
func (u *ui) onSearch(f func(text string)) {
	u.searchInput.AddEventListener("keydown", false, func(e dom.Event) {
		if e.Underlying().Get("key").String() == "Enter" {
			u.results.SetAttribute("data-state", "pending")
			f(u.searchInput.Value())
		}
	})
}
