//go:build js && wasm

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall/js"

	"blip2/model/app"
	"blip2/model/finetune"
	"blip2/model/gpu"
	"blip2/model/tokenizer"
	"blip2/model/train"
	"blip2/wasm/jsutil"
	"blip2/wasm/modelload"
)

// tuning is the page's fine-tuning of the worker's model: one session at a
// time, run one step per job so captions and searches interleave with it.
// The model keeps its weights until a session ends (or a file is
// imported); base keeps what they were, for "back to the base model".
type tuning struct {
	c     *app.Captioner
	srch  *search
	model string // the model's folder URL
	qtok  *tokenizer.WordPiece

	head *train.ITGHead
	temp float32
	base finetune.Base
	t    *finetune.Tuner
	stop atomic.Bool
	key  string // the model's name in the browser's storage
	file []byte // the weights applied over the base, as exported; nil for none

	before      []finetune.HeldOut
	others      [][]float32 // gallery images the held-out pairs are ranked against
	first, last float32
}

// rankAgainst is how many gallery images the held-out pairs are ranked
// against, besides the session's own.
const rankAgainst = 48

func tuneStatus(state, text string, extra map[string]any) {
	msg := map[string]any{"type": "finetune", "state": state, "text": text}
	for k, v := range extra {
		msg[k] = v
	}
	post(msg)
}

// start checks the pairs, prepares a session and returns its first step
// job (nil when it could not start).
func (tn *tuning) start(pairs []finetune.Pair, steps int, enqueue func(func())) {
	if tn.t != nil {
		tuneStatus("error", "A fine-tuning session is already running.", nil)
		return
	}
	be, ok := tn.c.Backend.(*gpu.Backend)
	if !ok {
		tuneStatus("error", "Fine-tuning needs WebGPU; this page is running on the CPU.", nil)
		return
	}
	tuneStatus("running", "Preparing: reading the pairs, running the image encoder once per image…", nil)
	if tn.head == nil {
		var fresh bool
		var err error
		if tn.head, tn.temp, fresh, err = modelload.TrainingExtras(tn.model, tn.c.Model, func(string) {}); err != nil {
			tuneStatus("error", "Could not start: "+err.Error(), nil)
			return
		}
		if fresh {
			tuneStatus("running", "The model has no ITG head: starting from a new one.", nil)
		}
	}
	o := finetune.DefaultOptions()
	if steps > 0 {
		o.Steps = steps
	}
	t, err := finetune.New(tn.c.Model, tn.head, tn.temp, be, tn.qtok, tn.c.Tok.(*tokenizer.BPE), pairs, o)
	if err != nil {
		var few *finetune.TooFewPairs
		extra := map[string]any{}
		if errors.As(err, &few) {
			extra["skipped"] = skippedList(few.Skipped)
		}
		tuneStatus("error", "Could not start: "+err.Error(), extra)
		return
	}
	skipped := skippedList(t.Skipped)
	tn.t, tn.first, tn.last = t, 0, 0
	tn.stop.Store(false)
	trained, held := t.Counts()
	tn.before = nil
	if held > 0 {
		tuneStatus("running", fmt.Sprintf("Captioning the %d held-out images with the base model…", held), nil)
		if tn.others == nil && tn.srch != nil {
			tn.others = tn.srch.galleryPixels(rankAgainst)
		}
		if tn.before, err = t.Evaluate(tn.c, tn.others); err != nil {
			tn.fail(err)
			return
		}
	}
	tuneStatus("running", fmt.Sprintf("Training on %d pairs (%d held out, %d skipped).", trained, held, len(t.Skipped)),
		map[string]any{"skipped": skipped, "trained": trained, "held": held, "total": o.Steps, "steps": 0})
	enqueue(func() { tn.step(o.Steps, enqueue) })
}

// step runs one step and queues the next, or the end.
func (tn *tuning) step(total int, enqueue func(func())) {
	if tn.t == nil {
		return
	}
	if tn.stop.Load() || tn.t.Steps() >= total {
		tn.finish()
		return
	}
	l, err := tn.t.Step()
	if err != nil {
		tn.fail(err)
		return
	}
	loss := l.ITC + l.ITM + l.ITG + l.LM
	if l.Step == 1 {
		tn.first = loss
	}
	tn.last = loss
	post(map[string]any{"type": "finetune-step", "step": l.Step, "total": total, "itc": l.ITC, "itm": l.ITM, "itg": l.ITG, "lm": l.LM, "seconds": l.Seconds})
	enqueue(func() { tn.step(total, enqueue) })
}

// finish puts the tuned weights into the model, compares the held-out
// pairs, keeps the weights for the next visit and indexes the gallery anew.
func (tn *tuning) finish() {
	t := tn.t
	tn.t = nil
	memory := t.DeviceBytes()
	defer t.Close()
	if t.Steps() == 0 {
		tuneStatus("idle", "Stopped before the first step: the model is unchanged.", map[string]any{"steps": 0})
		return
	}
	tn.base.Keep(t.Params()...)
	if err := t.Apply(); err != nil {
		tn.base.Restore()
		tn.fail(err)
		return
	}
	var file bytes.Buffer
	if err := t.Export(&file); err != nil {
		tn.fail(err)
		return
	}
	tn.applied(file.Bytes())
	var after []finetune.HeldOut
	if len(tn.before) > 0 {
		var err error
		if after, err = t.Evaluate(tn.c, tn.others); err != nil {
			tn.fail(err)
			return
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // the wasm memory only grows: Sys is its peak
	tuneStatus("done", fmt.Sprintf("Tuned in %d steps: captions and search use the tuned weights now. Training held %.1f MB on the GPU besides the model; wasm memory %.1f MB.",
		t.Steps(), float64(memory)/1e6, float64(ms.Sys)/1e6),
		map[string]any{"steps": t.Steps(), "lossFirst": tn.first, "lossLast": tn.last, "before": heldOut(tn.before), "after": heldOut(after)})
}

func (tn *tuning) fail(err error) {
	if tn.t != nil {
		tn.t.Close()
		tn.t = nil
	}
	tuneStatus("error", "Fine-tuning stopped: "+err.Error()+" The model keeps the weights it had.", nil)
}

// applied records weights now over the base (the exported file's bytes):
// they are kept in the browser for the next visit, and the gallery is
// indexed with them.
func (tn *tuning) applied(file []byte) {
	tn.file = file
	saveTuned(tn.key, file)
	tn.reindex()
}

// reindex encodes the gallery again with the weights the model has now
// (its cached index is keyed by them).
func (tn *tuning) reindex() {
	if p := tn.c.Prefixes; p != nil {
		// Back at the base weights the bank's first embeddings hold; tuned
		// ones need every example embedded again.
		refresh := p.Refresh
		if tn.file == nil {
			refresh = p.Restore
		}
		if err := refresh(); err != nil {
			status("error", "Caption prefixes: "+err.Error())
		}
	}
	if tn.srch == nil {
		return
	}
	tuned := ""
	if tn.file != nil {
		sum := sha256.Sum256(tn.file)
		tuned = hex.EncodeToString(sum[:])
	}
	tn.srch.reindex(tuned)
}

func skippedList(ss []finetune.Skipped) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = map[string]any{"name": s.Name, "reason": s.Reason}
	}
	return out
}

func heldOut(hs []finetune.HeldOut) []any {
	out := make([]any, len(hs))
	for i, h := range hs {
		out[i] = map[string]any{"name": h.Name, "caption": h.Caption, "generated": h.Generated, "rank": h.Rank, "of": h.Of}
	}
	return out
}

// pairsFrom reads the page's pairs: [{name, image (bytes), caption}].
func pairsFrom(v js.Value) []finetune.Pair {
	out := make([]finetune.Pair, v.Length())
	for i := range out {
		p := v.Index(i)
		out[i] = finetune.Pair{Name: p.Get("name").String(), Image: jsutil.BytesFromJS(p.Get("image")), Caption: p.Get("caption").String()}
	}
	return out
}

// newTuning readies fine-tuning of c's model (at the folder URL model),
// with the Q-Former tokenizer the search already has.
func newTuning(c *app.Captioner, s *search, model string) (*tuning, error) {
	manifest, err := jsutil.Fetch(model + "manifest.json")
	if err != nil {
		return nil, err
	}
	return &tuning{c: c, srch: s, model: model, qtok: s.index.Tok.(*tokenizer.WordPiece), key: tunedKey(model, manifest), base: finetune.Base{}}, nil
}

// tuneJob is the job for one of the page's fine-tuning requests (copied
// out of the message now, run once the model is there), or nil for a
// message of another type.
func tuneJob(d js.Value, tune **tuning, enqueue func(func())) func() {
	var run func(tn *tuning)
	switch d.Get("type").String() {
	case "finetune-start":
		pairs, steps := pairsFrom(d.Get("pairs")), 0
		if v := d.Get("steps"); v.Type() == js.TypeNumber {
			steps = v.Int()
		}
		run = func(tn *tuning) { tn.start(pairs, steps, enqueue) }
	case "finetune-import":
		data := jsutil.BytesFromJS(d.Get("file"))
		run = func(tn *tuning) { tn.importFile(data, false) }
	case "finetune-export":
		run = (*tuning).export
	case "finetune-reset":
		run = (*tuning).reset
	default:
		return nil
	}
	return func() {
		if *tune == nil {
			tuneStatus("error", "Fine-tuning is unavailable: the model or its Q-Former tokenizer did not load.", nil)
			return
		}
		run(*tune)
	}
}
