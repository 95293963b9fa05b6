//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"strconv"
	"syscall/js"

	"blip2/wasm/jsutil"

	"honnef.co/go/js/dom/v2"
)

// heatmap draws where the Q-Former's queries look, over the image being
// captioned: one cross-attention layer, one query or all of them, averaged
// over heads, as a red overlay on the patch grid. The image's CLS token
// has no place on the grid; its share is written beside.
type heatmap struct {
	canvas       *dom.HTMLCanvasElement
	layer, query *dom.HTMLSelectElement
	note         dom.Element
	maps         []layerMap
}

// layerMap is one cross-attention layer as the worker sends it: the
// weights over the image tokens (CLS, then the patches), averaged over
// heads, over every query first and then per query.
type layerMap struct {
	layer, queries, tokens int
	means                  []float32
}

// mean is the map of query q, or of all queries when q < 0.
func (m *layerMap) mean(q int) []float32 {
	i := q + 1
	if i < 0 || i > m.queries || len(m.means) < (i+1)*m.tokens {
		return nil
	}
	return m.means[i*m.tokens : (i+1)*m.tokens]
}

// layerMaps reads the worker's message.
func layerMaps(v js.Value) []layerMap {
	out := make([]layerMap, v.Length())
	for i := range out {
		m := v.Index(i)
		out[i] = layerMap{layer: m.Get("layer").Int(), queries: m.Get("queries").Int(), tokens: m.Get("tokens").Int(),
			means: jsutil.FloatsFromLE(jsutil.BytesFromJS(m.Get("means")))}
	}
	return out
}

func newHeatmap(by func(string) dom.Element) *heatmap {
	h := &heatmap{canvas: by("heatmap").(*dom.HTMLCanvasElement), layer: by("heatmap-layer").(*dom.HTMLSelectElement),
		query: by("heatmap-query").(*dom.HTMLSelectElement), note: by("heatmap-note")}
	// Redrawing is DOM work only, so it runs right in the callback.
	h.layer.AddEventListener("change", false, func(dom.Event) { h.draw() })
	h.query.AddEventListener("change", false, func(dom.Event) { h.draw() })
	return h
}

// show replaces the maps (a new image) and draws them.
func (h *heatmap) show(maps []layerMap) {
	h.maps = maps
	if len(maps) == 0 {
		return
	}
	doc := dom.GetWindow().Document()
	if h.layer.Length() != len(maps) {
		h.layer.SetInnerHTML("")
		for i, m := range maps {
			o := doc.CreateElement("option").(*dom.HTMLOptionElement)
			o.SetValue(strconv.Itoa(i))
			o.SetTextContent(fmt.Sprintf("layer %d", m.layer+1))
			h.layer.AppendChild(o)
		}
		h.query.SetInnerHTML("")
		for q := -1; q < maps[0].queries; q++ {
			o := doc.CreateElement("option").(*dom.HTMLOptionElement)
			o.SetValue(strconv.Itoa(q))
			o.SetTextContent(fmt.Sprintf("query %d", q+1))
			if q < 0 {
				o.SetTextContent("all queries")
			}
			h.query.AppendChild(o)
		}
	}
	h.draw()
}

func (h *heatmap) draw() {
	li, _ := strconv.Atoi(h.layer.Value())
	q, _ := strconv.Atoi(h.query.Value())
	if li < 0 || li >= len(h.maps) {
		return
	}
	w := h.maps[li].mean(q) // CLS, then the patches
	if len(w) < 2 {
		return
	}
	grid := int(math.Round(math.Sqrt(float64(len(w) - 1))))
	if grid*grid != len(w)-1 {
		h.note.SetTextContent(fmt.Sprintf("%d image tokens do not form a square grid", len(w)))
		return
	}
	h.canvas.SetWidth(grid)
	h.canvas.SetHeight(grid)
	ctx := h.canvas.GetContext2d()
	ctx.ClearRect(0, 0, float64(grid), float64(grid))
	top := float32(0)
	for _, v := range w[1:] {
		top = max(top, v)
	}
	for i, v := range w[1:] {
		ctx.SetFillStyle(fmt.Sprintf("rgba(220,0,0,%.3f)", 0.75*float64(v/top)))
		ctx.FillRect(float64(i%grid), float64(i/grid), 1, 1)
	}
	h.canvas.SetAttribute("data-state", "drawn")
	h.note.SetTextContent(fmt.Sprintf("Cross-attention of %s, layer %d, over the %d×%d patches (darker: more weight; the CLS token takes %.0f%%).",
		h.query.Options()[h.query.SelectedIndex()].Text(), h.maps[li].layer+1, grid, grid, 100*w[0]))
}
