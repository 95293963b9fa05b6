package blip2

import (
	"blip2/model/config"
	"blip2/model/weights"
)

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
	return load(cfg, store)
}
