//go:build js && wasm

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/image"
	"blip2/model/tokenizer"
	"blip2/wasm/jsutil"
)

// galleryItem is an entry of gallery.json (`server gallery`).
type galleryItem struct {
	ID, File, Caption string
}

// search is the page's gallery search: the index on the device, and where
// each gallery image is (picked images the page shows from its own copy).
type search struct {
	index   *app.Index
	srcOf   map[string]string
	added   int
	indexed bool   // the whole gallery is in
	base    string // the model's folder, whose manifest keys the cached index
	gallery string // the gallery's folder, with gallery.json
	limit   string // how many gallery images (?gallery), all when not a number
	tuned   string // the fine-tuned weights over the model, "" for none; keys the cached index too
	// picked are the images the person picked, by id, to index again
	// when the weights change.
	picked   map[string][]float32
	pickedIn []string
	enqueue  func(jobs ...func()) // queues jobs on the worker's loop, in order
}

func searchStatus(state, text string) {
	post(map[string]any{"type": "search-status", "state": state, "text": text})
}

// newSearch builds the index's tokenizer (the Q-Former's vocab.txt beside
// the model) around a captioner's model and device.
func newSearch(c *app.Captioner, base, gallery, limit string, enqueue func(jobs ...func())) (*search, error) {
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
	return &search{index: &app.Index{Model: c.Model, Backend: c.Backend, Tok: tok, Rerank: 16}, srcOf: map[string]string{}, base: base, gallery: gallery,
		limit: limit, picked: map[string][]float32{}, enqueue: enqueue}, nil
}

// galleryJobs lists the bundled gallery (as many as limit asks, all when
// it is not a number) and returns one job per batch of images, so
// captions can run between them.
func (s *search) galleryJobs() ([]func(), error) {
	limit := s.limit
	raw, err := jsutil.Fetch(s.gallery + "gallery.json")
	if err != nil {
		return nil, fmt.Errorf("the gallery: %w", err)
	}
	var items []galleryItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("gallery.json: %w", err)
	}
	if n, err := strconv.Atoi(limit); err == nil && n >= 0 && n < len(items) {
		items = items[:n]
	}
	if len(items) == 0 {
		s.indexed = true
		searchStatus("ready", "The gallery is empty: pick images to add them.")
		return nil, nil
	}
	manifest, err := jsutil.Fetch(s.base + "manifest.json")
	if err != nil {
		return nil, err
	}
	key := indexKey(s.gallery, manifest, raw, len(items), s.tuned)
	for _, it := range items {
		s.srcOf[it.ID] = s.gallery + it.File
	}
	if snap := loadIndex(key); snap != nil && s.index.Restore(snap) == nil {
		s.indexed = true
		searchStatus("ready", fmt.Sprintf("%d images indexed (from the browser's cache): type a text and press Enter.", s.index.Len()))
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
		data, err := jsutil.Fetch(s.gallery + it.File)
		if err == nil {
			var p []float32
			if p, err = image.Preprocess(data, size); err == nil {
				ids, px = append(ids, it.ID), append(px, p)
				continue
			}
		}
		searchStatus("indexing", fmt.Sprintf("Skipped %s: %v", it.File, err))
	}
	if err := s.index.Add(ids, px); err != nil {
		searchStatus("error", "Indexing failed: "+err.Error())
		return
	}
	s.indexed = s.index.Len() >= total
	if s.indexed {
		searchStatus("ready", fmt.Sprintf("%d images indexed on the GPU: type a text and press Enter.", s.index.Len()))
	} else {
		searchStatus("indexing", fmt.Sprintf("Indexing the gallery on the GPU: %d of %d images…", s.index.Len(), total))
	}
}

// addPicked indexes an image the person picked (under the id the page
// gave it), so searches find it too.
func (s *search) addPicked(id string, px []float32) {
	if err := s.index.Add([]string{id}, [][]float32{px}); err != nil {
		return
	}
	if _, ok := s.picked[id]; !ok {
		s.pickedIn = append(s.pickedIn, id)
	}
	s.picked[id] = px
	s.added++
	if s.indexed {
		searchStatus("ready", fmt.Sprintf("%d images indexed on the GPU (%d you picked): type a text and press Enter.", s.index.Len(), s.added))
	}
}

// run searches for text and sends the best 8 with both scores, and where
// each gallery image is.
func (s *search) run(text string) {
	var t blip2.SearchTimes
	hits, cut, err := s.index.SearchTimed(text, 8, &t)
	if err != nil {
		post(map[string]any{"type": "results", "note": "Not searched: " + err.Error()})
		return
	}
	note := fmt.Sprintf("Best %d of %d images by ITC (%s), the first %d re-ranked by ITM (%s).", len(hits), s.index.Len(), ms(t.ITC),
		min(s.index.Rerank, s.index.Len()), ms(t.ITM))
	if cut {
		note += fmt.Sprintf(" The text was cut to the Q-Former's %d tokens.", s.index.Model.Config.QFormer.MaxPositionEmbeddings)
	}
	list := make([]any, len(hits))
	for i, h := range hits {
		list[i] = map[string]any{"id": h.ID, "src": s.srcOf[h.ID], "itc": h.ITC, "itm": h.ITM}
	}
	post(map[string]any{"type": "results", "hits": list, "note": note})
}

// reindex empties the index and queues the jobs that encode the gallery
// and the picked images again, with the weights the model has now (tuned
// names them).
func (s *search) reindex(tuned string) {
	s.index.Free()
	s.indexed, s.added, s.tuned = false, 0, tuned
	searchStatus("indexing", "Indexing the gallery again with the new weights…")
	jobs, err := s.galleryJobs()
	if err != nil {
		searchStatus("error", "Search is unavailable: "+err.Error())
		return
	}
	ids := append([]string(nil), s.pickedIn...)
	s.enqueue(append(jobs, func() {
		for _, id := range ids {
			s.addPicked(id, s.picked[id])
		}
	})...)
}

// galleryPixels decodes the first n gallery images (those that decode):
// the images fine-tuning ranks its held-out pairs against.
func (s *search) galleryPixels(n int) [][]float32 {
	raw, err := jsutil.Fetch(s.gallery + "gallery.json")
	var items []galleryItem
	if err != nil || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	size := s.index.Model.Config.Vision.ImageSize
	var out [][]float32
	for _, it := range items[:min(n, len(items))] {
		if data, err := jsutil.Fetch(s.gallery + it.File); err == nil {
			if px, err := image.Preprocess(data, size); err == nil {
				out = append(out, px)
			}
		}
	}
	return out
}
