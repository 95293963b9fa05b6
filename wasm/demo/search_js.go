//go:build js && wasm

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"syscall/js"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/image"
	"blip2/model/tokenizer"
	"blip2/wasm/jsutil"

	"honnef.co/go/js/dom/v2"
)

const galleryBase = "web/gallery/"

// galleryItem is an entry of web/gallery/gallery.json (`server gallery`).
type galleryItem struct {
	ID, File, Caption string
}

// search is the page's gallery search: the index on the device, and what
// each indexed id looks like (a gallery file or a picked image's URL).
type search struct {
	ui    *ui
	index *app.Index
	srcOf map[string]string
	added int
	base  string // the model's folder, whose manifest keys the cached index
}

// newSearch builds the index's tokenizer (the Q-Former's vocab.txt beside
// the model) around a captioner's model and device.
func newSearch(ui *ui, c *app.Captioner, base string) (*search, error) {
	raw, err := jsutil.Fetch(base + "vocab.txt")
	if err != nil {
		return nil, fmt.Errorf("the Q-Former's vocabulary: %w", err)
	}
	vocab, err := tokenizer.ReadVocabTxt(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.NewWordPiece(vocab)
	if err != nil {
		return nil, err
	}
	return &search{ui: ui, index: &app.Index{Model: c.Model, Backend: c.Backend, Tok: tok, Rerank: 16}, srcOf: map[string]string{}, base: base}, nil
}

// galleryJobs lists the bundled gallery (as many as ?gallery=N asks, all
// by default) and returns one job per batch of images, so captions can
// run between them.
func (s *search) galleryJobs() ([]func(), error) {
	raw, err := jsutil.Fetch(galleryBase + "gallery.json")
	if err != nil {
		return nil, fmt.Errorf("the gallery: %w", err)
	}
	var items []galleryItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("gallery.json: %w", err)
	}
	if n, err := strconv.Atoi(pageQuery("gallery")); err == nil && n >= 0 && n < len(items) {
		items = items[:n]
	}
	if len(items) == 0 {
		s.ui.setSearch("ready", "The gallery is empty: pick images to add them.")
		return nil, nil
	}
	manifest, err := jsutil.Fetch(s.base + "manifest.json")
	if err != nil {
		return nil, err
	}
	key := indexKey(manifest, raw, len(items))
	for _, it := range items {
		s.srcOf[it.ID] = galleryBase + it.File
	}
	if snap := loadIndex(key); snap != nil && s.index.Restore(snap) == nil {
		s.ui.setSearch("ready", fmt.Sprintf("%d images indexed (from the browser's cache): type a text and press Enter.", s.index.Len()))
		return nil, nil
	}
	var jobs []func()
	for start := 0; start < len(items); start += 16 {
		batch := items[start:min(start+16, len(items))]
		total := len(items)
		jobs = append(jobs, func() { s.indexGallery(batch, total) })
	}
	// Then keep the gallery's part of the index for the next visit.
	jobs = append(jobs, func() {
		if snap, err := s.index.Snapshot(func(id string) bool { return !strings.HasPrefix(id, "picked-") }); err == nil {
			saveIndex(key, snap)
		}
	})
	return jobs, nil
}

func (s *search) indexGallery(batch []galleryItem, total int) {
	size := s.index.Model.Config.Vision.ImageSize
	var ids []string
	var px [][]float32
	for _, it := range batch {
		data, err := jsutil.Fetch(galleryBase + it.File)
		if err == nil {
			var p []float32
			if p, err = image.Preprocess(data, size); err == nil {
				ids, px = append(ids, it.ID), append(px, p)
				s.srcOf[it.ID] = galleryBase + it.File
				continue
			}
		}
		s.ui.setSearch("indexing", fmt.Sprintf("Skipped %s: %v", it.File, err))
	}
	if err := s.index.Add(ids, px); err != nil {
		s.ui.setSearch("error", "Indexing failed: "+err.Error())
		return
	}
	if s.index.Len() >= total {
		s.ui.setSearch("ready", fmt.Sprintf("%d images indexed on the GPU: type a text and press Enter.", s.index.Len()))
	} else {
		s.ui.setSearch("indexing", fmt.Sprintf("Indexing the gallery on the GPU: %d of %d images…", s.index.Len(), total))
	}
}

// addPicked indexes an image the person picked (its bytes and pixels), so
// searches find it too.
// Its thumbnail is a blob of the bytes already read, not the picked
// file's URL, which stops working when the file goes away.
func (s *search) addPicked(data []byte, px []float32) {
	s.added++
	id := fmt.Sprintf("picked-%d", s.added)
	if err := s.index.Add([]string{id}, [][]float32{px}); err == nil {
		blob := js.Global().Get("Blob").New([]any{jsutil.BytesToJS(data)})
		s.srcOf[id] = js.Global().Get("URL").Call("createObjectURL", blob).String()
		if s.ui.searchStatus.GetAttribute("data-state") == "ready" {
			s.ui.setSearch("ready", fmt.Sprintf("%d images indexed on the GPU (%d you picked): type a text and press Enter.", s.index.Len(), s.added))
		}
	}
}

// run searches for text and shows the best 8 with both scores.
func (s *search) run(text string) {
	var t blip2.SearchTimes
	hits, cut, err := s.index.SearchTimed(text, 8, &t)
	if err != nil {
		s.ui.showResults(nil, nil, "Not searched: "+err.Error())
		return
	}
	note := fmt.Sprintf("Best %d of %d images by ITC (%s), the first %d re-ranked by ITM (%s).", len(hits), s.index.Len(), ms(t.ITC),
		min(s.index.Rerank, s.index.Len()), ms(t.ITM))
	if cut {
		note += fmt.Sprintf(" The text was cut to the Q-Former's %d tokens.", s.index.Model.Config.QFormer.MaxPositionEmbeddings)
	}
	s.ui.showResults(hits, s.srcOf, note)
}

// pageQuery is a parameter of the page's URL.
func pageQuery(name string) string {
	u, err := url.Parse(js.Global().Get("location").Get("href").String())
	if err != nil {
		return ""
	}
	return u.Query().Get(name)
}

// showResults replaces the result list.
func (u *ui) showResults(hits []app.Hit, srcOf map[string]string, note string) {
	doc := dom.GetWindow().Document()
	u.results.SetInnerHTML("")
	for _, h := range hits {
		li := doc.CreateElement("li")
		li.SetAttribute("data-testid", "search-result")
		li.SetAttribute("data-id", h.ID)
		img := doc.CreateElement("img")
		img.SetAttribute("src", srcOf[h.ID])
		img.SetAttribute("alt", h.ID)
		li.AppendChild(img)
		label := doc.CreateElement("span")
		itm := "not re-ranked"
		if h.ITM >= 0 {
			itm = fmt.Sprintf("ITM %.2f", h.ITM)
		}
		label.SetTextContent(fmt.Sprintf("%s · ITC %.3f · %s", h.ID, h.ITC, itm))
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
