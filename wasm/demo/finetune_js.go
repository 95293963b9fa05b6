//go:build js && wasm

package main

import (
	"fmt"
	"strconv"
	"strings"
	"syscall/js"

	"blip2/model/finetune/captions"
	"blip2/wasm/jsutil"

	"honnef.co/go/js/dom/v2"
)

// tunePanel is the fine-tuning panel: the pairs the person picked (one
// caption box per image, filled from a captions.tsv picked with them),
// start and stop, live loss curves, the held-out comparison, and export,
// import and back-to-base. The worker does the training; the panel only
// posts requests and draws what comes back.
type tunePanel struct {
	by                                func(string) dom.Element
	input, steps, importInput         *dom.HTMLInputElement
	start, stop, export, reset        dom.Element
	status, pairs, skipped, evalTable dom.Element
	chart                             *lossChart
	files                             []js.Value // the picked images, in list order
	boxes                             []*dom.HTMLInputElement
	post                              func(msg map[string]any)
	total                             int
	started                           float64 // performance.now() at the first step
}

func newTunePanel(by func(string) dom.Element, post func(map[string]any)) *tunePanel {
	p := &tunePanel{by: by, post: post,
		input: by("finetune-input").(*dom.HTMLInputElement), steps: by("finetune-steps").(*dom.HTMLInputElement),
		importInput: by("finetune-import").(*dom.HTMLInputElement),
		start:       by("finetune-start"), stop: by("finetune-stop"), export: by("finetune-export"), reset: by("finetune-reset"),
		status: by("finetune-status"), pairs: by("finetune-pairs"), skipped: by("finetune-skipped"), evalTable: by("finetune-eval"),
		chart: newLossChart(by("finetune-loss").(*dom.HTMLCanvasElement))}
	p.input.AddEventListener("change", false, func(dom.Event) { go p.pick() })
	p.start.AddEventListener("click", false, func(dom.Event) { go p.begin() })
	p.stop.AddEventListener("click", false, func(dom.Event) {
		p.setStatus("running", "Stopping after the step in progress…")
		post(map[string]any{"type": "finetune-stop"})
	})
	p.export.AddEventListener("click", false, func(dom.Event) { post(map[string]any{"type": "finetune-export"}) })
	p.reset.AddEventListener("click", false, func(dom.Event) { post(map[string]any{"type": "finetune-reset"}) })
	p.importInput.AddEventListener("change", false, func(dom.Event) { go p.importFile() })
	return p
}

func enable(e dom.Element, on bool) {
	if on {
		e.RemoveAttribute("disabled")
	} else {
		e.SetAttribute("disabled", "")
	}
}

func (p *tunePanel) setStatus(state, text string) {
	p.status.SetAttribute("data-state", state)
	p.status.SetTextContent(text)
	running := state == "running"
	enable(p.start, !running && len(p.files) > 0)
	enable(p.stop, running)
}

// pick lists the picked files: every image with a caption box, filled from
// the first captions.tsv among them; the file's problems are listed.
func (p *tunePanel) pick() {
	doc := dom.GetWindow().Document()
	files := p.input.Files()
	caps, problems := map[string]string{}, []string(nil)
	var images []js.Value
	for _, f := range files {
		name := f.Get("name").String()
		if strings.HasSuffix(strings.ToLower(name), ".tsv") {
			data, err := jsutil.BlobBytes(f.Value)
			if err != nil {
				problems = append(problems, name+": "+err.Error())
				continue
			}
			var more []string
			caps, more = captions.Parse(data)
			for _, m := range more {
				problems = append(problems, name+": "+m)
			}
			continue
		}
		images = append(images, f.Value)
	}
	p.files, p.boxes = images, nil
	p.pairs.SetInnerHTML("")
	for _, f := range images {
		name := f.Get("name").String()
		li := doc.CreateElement("li")
		img := doc.CreateElement("img")
		img.SetAttribute("src", js.Global().Get("URL").Call("createObjectURL", f).String())
		img.SetAttribute("alt", name)
		li.AppendChild(img)
		box := doc.CreateElement("input").(*dom.HTMLInputElement)
		box.SetAttribute("type", "text")
		box.SetAttribute("aria-label", "caption of "+name)
		box.SetAttribute("data-name", name)
		box.SetValue(caps[name])
		li.AppendChild(box)
		p.pairs.AppendChild(li)
		p.boxes = append(p.boxes, box)
	}
	p.showSkipped(problems, nil)
	p.setStatus("idle", fmt.Sprintf("%d images picked; give each a caption, then start.", len(images)))
}

// begin reads the images and posts the pairs.
func (p *tunePanel) begin() {
	p.setStatus("running", "Reading the images…")
	var pairs []any
	for i, f := range p.files {
		data, err := jsutil.BlobBytes(f)
		if err == nil {
			data, _, err = fitForDecode(f, data)
		}
		if err != nil {
			data = nil // the worker lists it as no image
		}
		pairs = append(pairs, map[string]any{"name": f.Get("name").String(), "image": jsutil.BytesToJS(data), "caption": p.boxes[i].Value()})
	}
	steps, _ := strconv.Atoi(strings.TrimSpace(p.steps.Value())) // 0: the worker's default
	p.chart.clear()
	p.evalTable.SetInnerHTML("")
	p.status.SetAttribute("data-steps", "0")
	p.status.SetAttribute("data-loss-first", "")
	p.status.SetAttribute("data-loss-last", "")
	p.post(map[string]any{"type": "finetune-start", "pairs": pairs, "steps": steps})
}

func (p *tunePanel) importFile() {
	files := p.importInput.Files()
	if len(files) == 0 {
		return
	}
	data, err := jsutil.BlobBytes(files[0].Value)
	if err != nil {
		p.setStatus("error", "Not imported: "+err.Error())
		return
	}
	p.post(map[string]any{"type": "finetune-import", "file": jsutil.BytesToJS(data)})
}

// onStatus shows a {type: "finetune"} message.
func (p *tunePanel) onStatus(d js.Value) {
	state := d.Get("state").String()
	p.setStatus(state, d.Get("text").String())
	if v := d.Get("total"); v.Truthy() {
		p.total = v.Int()
	}
	if v := d.Get("steps"); v.Type() == js.TypeNumber {
		p.status.SetAttribute("data-steps", fmt.Sprint(v.Int()))
	}
	if v := d.Get("skipped"); v.Truthy() {
		var list []string
		for i := 0; i < v.Length(); i++ {
			list = append(list, v.Index(i).Get("name").String()+": "+v.Index(i).Get("reason").String())
		}
		p.showSkipped(nil, list)
	}
	if state == "done" || state == "idle" {
		tuned := state == "done"
		enable(p.export, tuned)
		enable(p.reset, tuned)
	}
	if b := d.Get("before"); b.Truthy() && b.Length() > 0 {
		p.showEval(b, d.Get("after"))
	}
}

// onStep adds a {type: "finetune-step"} message to the curves.
func (p *tunePanel) onStep(d js.Value) {
	now := js.Global().Get("performance").Call("now").Float()
	step, total := d.Get("step").Int(), d.Get("total").Int()
	if step == 1 {
		p.started = now - 1000*d.Get("seconds").Float()
	}
	l := [4]float64{d.Get("itc").Float(), d.Get("itm").Float(), d.Get("itg").Float(), d.Get("lm").Float()}
	p.chart.add(l)
	sum := l[0] + l[1] + l[2] + l[3]
	if step == 1 {
		p.status.SetAttribute("data-loss-first", fmt.Sprintf("%.4f", sum))
	}
	p.status.SetAttribute("data-loss-last", fmt.Sprintf("%.4f", sum))
	p.status.SetAttribute("data-steps", fmt.Sprint(step))
	rate := float64(step) / ((now - p.started) / 1000)
	p.status.SetTextContent(fmt.Sprintf("Step %d of %d: loss %.3f (ITC %.3f, ITM %.3f, ITG %.3f, captions %.3f); %.2f steps/s, about %.0f s left.",
		step, total, sum, l[0], l[1], l[2], l[3], rate, float64(total-step)/rate))
}

func (p *tunePanel) showSkipped(problems, skipped []string) {
	doc := dom.GetWindow().Document()
	if problems != nil || skipped != nil {
		p.skipped.SetInnerHTML("")
	}
	for _, s := range append(problems, skipped...) {
		li := doc.CreateElement("li")
		li.SetTextContent(s)
		p.skipped.AppendChild(li)
	}
}

// showEval draws the held-out pairs before and after: captions and the
// rank of each image for its own caption.
func (p *tunePanel) showEval(before, after js.Value) {
	doc := dom.GetWindow().Document()
	p.evalTable.SetInnerHTML("<tr><th>held-out image</th><th>its caption</th><th>base model</th><th>tuned</th></tr>")
	for i := 0; i < before.Length(); i++ {
		b, a := before.Index(i), after.Index(i)
		tr := doc.CreateElement("tr")
		for _, text := range []string{b.Get("name").String(), b.Get("caption").String(),
			fmt.Sprintf("%q, rank %d of %d", b.Get("generated").String(), b.Get("rank").Int(), b.Get("of").Int()),
			fmt.Sprintf("%q, rank %d of %d", a.Get("generated").String(), a.Get("rank").Int(), a.Get("of").Int())} {
			td := doc.CreateElement("td")
			td.SetTextContent(text)
			tr.AppendChild(td)
		}
		p.evalTable.AppendChild(tr)
	}
}

// download saves a {type: "finetune-file"} message's bytes.
func download(d js.Value) {
	blob := js.Global().Get("Blob").New([]any{d.Get("bytes")}, map[string]any{"type": "application/octet-stream"})
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	a := js.Global().Get("document").Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", d.Get("name"))
	a.Call("click")
}
