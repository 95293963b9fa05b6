package blip2

import (
	"errors"
	"os"
	"path/filepath"

	"blip2/model/config"
	"blip2/model/weights"
)

// TrainStateFile is where a folder written by `server train` keeps the
// ITC temperature (temp, beside AdamW's moments); LoadDir reads temp from
// it. A Hugging Face folder has none.
const TrainStateFile = "train_state.safetensors"

// LoadDir binds a Hugging Face BLIP-2 folder: config.json and
// model.safetensors, or its shards with model.safetensors.index.json.
func LoadDir(dir string) (*Model, error) { return LoadDirWith(dir, Load) }

// LoadDirWith is LoadDir binding through load (LoadResident, or a check
// before it).
func LoadDirWith(dir string, load func(*config.Blip2Config, weights.Store) (*Model, error)) (*Model, error) {
	cfg, err := config.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	store, closer, err := weights.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	state, err := weights.Open(filepath.Join(dir, TrainStateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return load(cfg, store)
	case err != nil:
		return nil, err
	}
	defer state.Close()
	if store, err = withTemp(store, state); err != nil {
		return nil, err
	}
	return load(cfg, store)
}

// withTemp is src with the temp of state beside it, when state has one.
func withTemp(src weights.Store, state weights.Store) (weights.Store, error) {
	if _, ok := state.Info("temp"); !ok {
		return src, nil
	}
	return weights.Merge(src, weights.Only(state, func(n string) bool { return n == "temp" }))
}
