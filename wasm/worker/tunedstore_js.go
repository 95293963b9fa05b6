//go:build js && wasm

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"blip2/model/finetune"
	"blip2/model/gpu"
	"blip2/model/weights"
	"blip2/wasm/jsutil"
)

// The tuned weights as a file: kept in the browser, imported, exported,
// and taken back to the base model's.
//
// Fine-tuned weights stay in the Cache API between visits, one file per
// model (keyed by its folder and manifest, so a new model version never
// gets another's weights), until the page goes back to the base model.
const tunedCache = "blip2-finetuned"

// tunedKey names the kept weights of the model at base with manifest.
func tunedKey(base string, manifest []byte) string {
	sum := sha256.Sum256(manifest)
	return base + "finetuned/" + hex.EncodeToString(sum[:])[:32]
}

func saveTuned(key string, file []byte) { jsutil.OpenCache(tunedCache).Put(key, file) }

func loadTuned(key string) ([]byte, bool) { return jsutil.OpenCache(tunedCache).Get(key) }

func dropTuned(key string) { jsutil.OpenCache(tunedCache).Delete(key) }

// importFile lays an exported file over the model (from the page, or kept
// from an earlier visit when kept is true).
func (tn *tuning) importFile(data []byte, kept bool) {
	if tn.t != nil {
		tuneStatus("error", "Stop the running session first.", nil)
		return
	}
	f, err := weights.NewFile(bytes.NewReader(data), int64(len(data)))
	var u *finetune.Update
	if err == nil {
		u, err = finetune.Read(tn.c.Model, nil, nil, f)
	}
	if err != nil {
		if kept { // kept for another model: forget it
			dropTuned(tn.key)
			return
		}
		tuneStatus("error", "Not imported: "+err.Error(), nil)
		return
	}
	tn.base.Keep(u.Params()...)
	u.Apply()
	if be, ok := tn.c.Backend.(*gpu.Backend); ok {
		be.Forget(u.Params()...)
	}
	tn.applied(data)
	what := "Imported"
	if kept {
		what = "Restored from this browser's storage:"
	}
	tuneStatus("done", what+" fine-tuned weights; captions and search use them.", map[string]any{"steps": 0, "imported": true})
}

// reset goes back to the base model.
func (tn *tuning) reset() {
	if tn.t != nil {
		tuneStatus("error", "Stop the running session first.", nil)
		return
	}
	ps := tn.base.Restore()
	if be, ok := tn.c.Backend.(*gpu.Backend); ok {
		be.Forget(ps...)
	}
	tn.base, tn.file = finetune.Base{}, nil
	dropTuned(tn.key)
	tn.reindex()
	tuneStatus("idle", "Back to the base model.", map[string]any{"steps": 0})
}

// export sends the weights the model has now as a safetensors file.
func (tn *tuning) export() {
	if tn.file == nil {
		tuneStatus("error", "Nothing to export: the model has its base weights.", nil)
		return
	}
	post(map[string]any{"type": "finetune-file", "bytes": jsutil.BytesToJS(tn.file), "name": "blip2-finetuned.safetensors"})
}
