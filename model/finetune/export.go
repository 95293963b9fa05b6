package finetune

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/train"
	"blip2/model/weights"
)

// An exported file is a safetensors file of every tensor a session trains,
// under its Hugging Face name, with two metadata entries: MetaKind, and
// MetaConfig, the hash of the configuration of the model it was tuned
// from, so that it is never laid over a model of other shapes.
const (
	MetaKind   = "blip2_finetune"
	MetaConfig = "blip2_config_sha256"
)

// ConfigHash identifies a model's shapes.
func ConfigHash(c *config.Blip2Config) string {
	js, _ := json.Marshal(c)
	sum := sha256.Sum256(js)
	return hex.EncodeToString(sum[:])
}

// Export writes the weights the model has now (Apply's, or the base's
// before it) as an exported file.
func (t *Tuner) Export(w io.Writer) error {
	var ts []weights.Tensor
	for _, p := range sortedParams(t.params()) {
		ts = append(ts, weights.Tensor{Name: p.Name, DType: weights.F32, Shape: p.Shape, Data: p.Data})
	}
	return weights.Write(w, ts, map[string]string{"format": "pt", MetaKind: "1", MetaConfig: ConfigHash(t.m.Config)})
}

// Load lays an exported file over m (and over head and temp, when given;
// without them their tensors in the file are skipped: captions and search
// do not use them). Every other name must be a tensor of m with the same
// shape; nothing changes unless all of them are. It returns the tensors it
// changed, whose device copies a backend must then Forget.
func Load(m *blip2.Model, head *train.ITGHead, temp *weights.Param, f *weights.File) ([]*weights.Param, error) {
	if f.Metadata[MetaKind] == "" {
		return nil, fmt.Errorf("finetune: not a fine-tuned weights file (no %q metadata)", MetaKind)
	}
	if got, want := f.Metadata[MetaConfig], ConfigHash(m.Config); got != want {
		return nil, fmt.Errorf("finetune: the file was tuned from a model of another configuration (%.12s…, this model is %.12s…)", got, want)
	}
	byName := map[string]*weights.Param{}
	for _, p := range weights.Params(m) {
		byName[p.Name] = p
	}
	if head != nil {
		for _, p := range weights.Params(head) {
			byName[p.Name] = p
		}
	}
	if temp != nil {
		byName[temp.Name] = temp
	}
	type update struct {
		p *weights.Param
		v []float32
	}
	var ups []update
	for _, name := range f.Names() {
		p, ok := byName[name]
		if !ok {
			if strings.HasPrefix(name, "cls.") || name == "temp" {
				continue // training only
			}
			return nil, fmt.Errorf("finetune: %s is not a tensor of this model", name)
		}
		info, _ := f.Info(name)
		if fmt.Sprint(info.Shape) != fmt.Sprint(p.Shape) && !(len(p.Shape) == 0 && len(info.Shape) == 1) {
			return nil, fmt.Errorf("finetune: %s is %v in the file, %v in the model", name, info.Shape, p.Shape)
		}
		v, err := f.ReadF32(name)
		if err != nil {
			return nil, err
		}
		if len(v) != len(p.Data) {
			return nil, fmt.Errorf("finetune: %s has %d values, the model %d", name, len(v), len(p.Data))
		}
		ups = append(ups, update{p, v})
	}
	var changed []*weights.Param
	for _, u := range ups {
		copy(u.p.Data, u.v)
		changed = append(changed, u.p)
	}
	return changed, nil
}

// DefaultTemp is LAVIS's initial ITC temperature, for a model that does
// not carry its trained one.
const DefaultTemp = 0.07

// Extras reads what fine-tuning needs beside a loaded model from the
// store it came from: the ITG head and the ITC temperature, which a model
// converted from a `server train` folder carries (blip2.TrainingOnly). A
// model without them (a Hugging Face checkpoint) gets a new head, BERT's
// initialisation from seed, and DefaultTemp; fresh says so.
func Extras(m *blip2.Model, src weights.Store, seed uint64) (head *train.ITGHead, temp float32, fresh bool, err error) {
	q := m.Config.QFormer
	if _, ok := src.Info("cls.predictions.bias"); ok {
		head, err = train.LoadITGHead(m, weights.Only(src, weights.Prefixed("cls")))
	} else {
		fresh = true
		head, err = train.NewRandomITGHead(q.HiddenSize, q.VocabSize, q.LayerNormEps, seed)
	}
	if err != nil {
		return nil, 0, false, err
	}
	temp = DefaultTemp
	if _, ok := src.Info("temp"); ok {
		v, err := src.ReadF32("temp")
		if err != nil {
			return nil, 0, false, err
		}
		temp = v[0]
	}
	return head, temp, fresh, nil
}
