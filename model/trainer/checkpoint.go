package trainer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"blip2/model/blip2"
	"blip2/model/stream"
	"blip2/model/train"
	"blip2/model/weights"
)

// A checkpoint folder is a Hugging Face BLIP-2 folder (config.json,
// model.safetensors, the tokenizer files), plus itg_head.safetensors (the
// Q-Former's ITG head, which the Hugging Face classes do not hold) and,
// for a run that can resume, train_state.safetensors: temp, AdamW's
// moments ("adam.m.NAME", "adam.v.NAME") and the step in its metadata.
const (
	itgHeadFile    = "itg_head.safetensors"
	trainStateFile = blip2.TrainStateFile
	// DualHeadFile holds stage 0's visual projection: with the ViT and the
	// Q-Former's text tower of the same folder it is the stage-0 dual
	// encoder.
	DualHeadFile = "dual_encoder.safetensors"
)

// State is what a checkpoint adds to the weights for resuming.
type State struct {
	Step    int
	Moments map[string][2][]float32
}

// LoadModel binds a checkpoint folder for training: the model, its ITG
// head (random when the folder has none: a folder from stage 0 or from
// Hugging Face), temp (0.07 unless saved) and the saved state, nil when
// the folder has none. Stage 0's dual-encoder head is LoadDualHead's: it
// belongs to the text tower as stage 0 left it, which later stages move.
//
// dir may also be a converted model (manifest.json: the streaming format,
// such as the shipped default), which holds the ITG head and temp among
// its tensors; its quantized weights train as their dequantized values.
func LoadModel(dir string, seed uint64) (*train.Model, *State, error) {
	bm, heads, err := loadInit(dir)
	if err != nil {
		return nil, nil, err
	}
	defer heads.Close()
	cfg := bm.Config
	if !bm.Retrieval() {
		return nil, nil, fmt.Errorf("trainer: %s has no Q-Former text embeddings and projections (a retrieval-capable checkpoint is needed)", dir)
	}
	q := cfg.QFormer
	head := train.NewITGHead(q.HiddenSize, q.VocabSize, q.LayerNormEps)
	if f, err := heads.open(filepath.Join(dir, itgHeadFile)); err == nil {
		err = weights.Bind(head, f, "", nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", itgHeadFile, err)
		}
	} else if errors.Is(err, os.ErrNotExist) {
		if head, err = train.NewRandomITGHead(q.HiddenSize, q.VocabSize, q.LayerNormEps, seed); err != nil {
			return nil, nil, err
		}
	} else {
		return nil, nil, err
	}
	// A converted model carries its learned temperature in its weights; a
	// checkpoint folder in train_state.safetensors (loadState, below).
	temp := float32(0.07)
	if bm.Temp > 0 {
		temp = bm.Temp
	}
	m, err := train.New(bm, head, temp)
	if err != nil {
		return nil, nil, err
	}
	st, err := loadState(filepath.Join(dir, trainStateFile), m)
	return m, st, err
}

func loadState(path string, m *train.Model) (*State, error) {
	f, err := weights.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := &State{Moments: map[string][2][]float32{}}
	if st.Step, err = strconv.Atoi(f.Header.Metadata["step"]); err != nil {
		return nil, fmt.Errorf("%s: no step in the metadata", path)
	}
	temp, err := f.ReadF32("temp")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Temp.Data[0] = temp[0]
	for _, name := range f.Names() {
		rest, ok := strings.CutPrefix(name, "adam.m.")
		if !ok {
			continue
		}
		mm, err := f.ReadF32(name)
		if err != nil {
			return nil, err
		}
		vv, err := f.ReadF32("adam.v." + rest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		st.Moments[rest] = [2][]float32{mm, vv}
	}
	return st, nil
}

// SaveCheckpoint publishes m (and st, when not nil) as a checkpoint folder
// at dst, atomically; the tokenizer and config files are copied from src,
// then from each extra folder ("" is none).
func SaveCheckpoint(dst, src string, m *train.Model, st *State, extra ...string) error {
	return publishDir(dst, func(tmp string) error {
		for _, dir := range append([]string{src}, extra...) {
			if dir == "" {
				continue
			}
			if err := copyTokenizerFiles(dir, tmp); err != nil {
				return err
			}
		}
		for i := range m.Vision.Layers { // trained through the split q, v views
			m.Vision.Layers[i].SelfAttn.StoreBias()
		}
		if m.Dual != nil {
			if err := writeParams(filepath.Join(tmp, DualHeadFile), weights.Params(m.Dual)); err != nil {
				return err
			}
		}
		// A tied weight (the LM head is the token embedding) is saved once.
		if err := writeParams(filepath.Join(tmp, "model.safetensors"), dedupe(weights.Params(m.Model))); err != nil {
			return err
		}
		if err := writeParams(filepath.Join(tmp, itgHeadFile), weights.Params(m.Head)); err != nil {
			return err
		}
		ts := []weights.Tensor{{Name: "temp", DType: weights.F32, Shape: []int{1}, Data: []float32{m.Temp.Data[0]}}}
		meta := map[string]string{"format": "pt"}
		if st != nil {
			meta["step"] = strconv.Itoa(st.Step)
			for name, mv := range st.Moments {
				ts = append(ts, weights.Tensor{Name: "adam.m." + name, DType: weights.F32, Shape: []int{len(mv[0])}, Data: mv[0]},
					weights.Tensor{Name: "adam.v." + name, DType: weights.F32, Shape: []int{len(mv[1])}, Data: mv[1]})
			}
		} else {
			meta["step"] = "0"
		}
		return weights.WriteFile(filepath.Join(tmp, trainStateFile), ts, meta)
	})
}

// copyTokenizerFiles copies config.json and every tokenizer file of src
// (of a converted model: its tokenizers, and its manifest's config as
// config.json).
func copyTokenizerFiles(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	converted := stream.IsConverted(src)
	if converted {
		if err := convertedConfig(src, dst); err != nil {
			return err
		}
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasSuffix(n, ".safetensors") || n == weights.IndexFile || strings.HasPrefix(n, ".") {
			continue
		}
		if converted && (n == "manifest.json" || strings.HasSuffix(n, ".bin")) {
			continue
		}
		if err := copyFile(filepath.Join(src, n), filepath.Join(dst, n)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// LoadDualHead binds dir's dual_encoder.safetensors for m, or returns nil
// when the folder has none (any checkpoint but a stage-0 one).
func LoadDualHead(dir string, m *train.Model) (*train.DualHead, error) {
	f, err := weights.Open(filepath.Join(dir, DualHeadFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := train.NewDualHead(m.Config.Vision.HiddenSize, m.Config.ImageTextHiddenSize)
	if err := weights.Bind(h, f, "", nil); err != nil {
		return nil, fmt.Errorf("%s: %w", DualHeadFile, err)
	}
	return h, nil
}

// writeParams writes parameters as an F32 safetensors file.
func writeParams(path string, ps []*weights.Param) error {
	var ts []weights.Tensor
	for _, p := range ps {
		ts = append(ts, weights.Tensor{Name: p.Name, DType: weights.F32, Shape: p.Shape, Data: p.Data})
	}
	return weights.WriteFile(path, ts, map[string]string{"format": "pt"})
}
