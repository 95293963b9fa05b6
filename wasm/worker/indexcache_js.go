//go:build js && wasm

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"blip2/model/app"
	"blip2/wasm/jsutil"
)

// The gallery's index is kept in the Cache API between visits, keyed by
// the model's manifest and the gallery's list, so a reload does not encode
// the gallery again. An entry is a JSON header line (ids, shapes, the
// sha256 of the data) and the float32 data; one that fails its check is
// evicted and the gallery encoded anew.
const indexCache = "blip2-search-index"

type indexHeader struct {
	IDs                      []string
	FeatureShape, EmbedShape []int
	SHA256                   string
}

// indexKey names the cached index of a model (its manifest's bytes, and
// the sha256 of fine-tuned weights over it, if any) and a gallery (its
// folder, gallery.json's bytes, and how many of its images).
func indexKey(galleryBase string, manifest, gallery []byte, n int, tuned string) string {
	h := sha256.New()
	h.Write(manifest)
	h.Write(gallery)
	fmt.Fprint(h, n, tuned)
	return galleryBase + "index-cache/" + hex.EncodeToString(h.Sum(nil))[:32]
}

// saveIndex stores a snapshot under key (a full quota only costs the next
// visit an encoding).
func saveIndex(key string, s *app.Snapshot) {
	data := append(jsutil.FloatsLE(s.Features), jsutil.FloatsLE(s.Embeds)...)
	sum := sha256.Sum256(data)
	head, _ := json.Marshal(indexHeader{IDs: s.IDs, FeatureShape: s.FeatureShape, EmbedShape: s.EmbedShape, SHA256: hex.EncodeToString(sum[:])})
	jsutil.OpenCache(indexCache).Put(key, append(append(head, '\n'), data...))
}

// loadIndex returns the snapshot under key, or nil (none, or one that
// fails its check, which is then evicted).
func loadIndex(key string) *app.Snapshot {
	c := jsutil.OpenCache(indexCache)
	blob, ok := c.Get(key)
	if !ok {
		return nil
	}
	if s := parseIndex(blob); s != nil {
		return s
	}
	c.Delete(key)
	return nil
}

func parseIndex(blob []byte) *app.Snapshot {
	head, data, ok := bytes.Cut(blob, []byte{'\n'})
	var h indexHeader
	if !ok || json.Unmarshal(head, &h) != nil || len(data)%4 != 0 {
		return nil
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil
	}
	xs := jsutil.FloatsFromLE(data)
	nf := 1
	for _, d := range h.FeatureShape {
		nf *= d
	}
	if nf > len(xs) || nf < 0 {
		return nil
	}
	return &app.Snapshot{IDs: h.IDs, Features: xs[:nf], Embeds: xs[nf:], FeatureShape: h.FeatureShape, EmbedShape: h.EmbedShape}
}
