//go:build js && wasm

package modelload

import (
	"bytes"
	"fmt"

	"blip2/model/blip2"
	"blip2/model/finetune"
	"blip2/model/stream"
	"blip2/model/train"
	"blip2/wasm/jsutil"
)

// TrainingExtras fetches what fine-tuning needs beside the model in base:
// its ITG head and ITC temperature, from the training-only shard (the only
// one fetched; sha256-checked like the rest). A model without them gets a
// new head and LAVIS's temperature, and fresh says so.
func TrainingExtras(base string, m *blip2.Model, status func(string)) (head *train.ITGHead, temp float32, fresh bool, err error) {
	mjs, err := jsutil.Fetch(base + "manifest.json")
	if err != nil {
		return nil, 0, false, fmt.Errorf("the model's manifest: %w", err)
	}
	man, err := stream.ParseManifest(bytes.NewReader(mjs))
	if err != nil {
		return nil, 0, false, err
	}
	s, _ := streamShards(status, base, man)
	defer s.Release()
	head, temp, fresh, err = finetune.Extras(m, s, 1)
	if err == nil {
		err = s.Err()
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("the model's ITG head: %w", err)
	}
	return head, temp, fresh, nil
}
