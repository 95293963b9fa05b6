//go:build js && wasm

package main

import (
	"crypto/sha256"
	"encoding/hex"

	"blip2/wasm/jsutil"
)

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
