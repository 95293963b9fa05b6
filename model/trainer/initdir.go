package trainer

import (
	"os"
	"path/filepath"

	"blip2/model/blip2"
	"blip2/model/stream"
	"blip2/model/weights"
)

// headSource finds the ITG head of an init folder: its own file, or the
// cls.* tensors of a converted model.
type headSource struct {
	converted weights.Store // nil for a checkpoint folder
	files     []*weights.File
}

// open is the head's tensors, os.ErrNotExist when the folder has none.
func (h *headSource) open(path string) (weights.Store, error) {
	if h.converted != nil {
		only := weights.Only(h.converted, weights.Prefixed("cls"))
		if len(only.Names()) == 0 {
			return nil, os.ErrNotExist
		}
		return only, nil
	}
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	h.files = append(h.files, f)
	return f, nil
}

func (h *headSource) Close() {
	for _, f := range h.files {
		f.Close()
	}
}

// loadInit binds the model of a checkpoint folder or of a converted one.
func loadInit(dir string) (*blip2.Model, *headSource, error) {
	if !stream.IsConverted(dir) {
		m, err := blip2.LoadDir(dir)
		return m, &headSource{}, err
	}
	s, err := stream.OpenDir(dir)
	if err != nil {
		return nil, nil, err
	}
	m, err := stream.LoadModel(s)
	if err != nil {
		return nil, nil, err
	}
	return m, &headSource{converted: s}, nil
}

// convertedConfig writes a converted model's config (kept verbatim in its
// manifest) as dst/config.json, so that a checkpoint made from it is a
// Hugging Face folder.
func convertedConfig(src, dst string) error {
	f, err := os.Open(filepath.Join(src, "manifest.json"))
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := stream.ParseManifest(f)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, "config.json"), append(m.Config, '\n'), 0o644)
}
