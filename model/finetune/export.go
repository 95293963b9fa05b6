package finetune

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

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
	for _, p := range sortedParams(t.Params()) {
		ts = append(ts, weights.Tensor{Name: p.Name, DType: weights.F32, Shape: p.Shape, Data: p.Data})
	}
	return weights.Write(w, ts, map[string]string{"format": "pt", MetaKind: "1", MetaConfig: ConfigHash(t.m.Config)})
}

// Update is an exported file read and checked against a model, not yet
// applied.
type Update struct {
	params []*weights.Param
	values [][]float32
}

// Params are the tensors the update changes.
func (u *Update) Params() []*weights.Param { return u.params }

// Apply writes the file's values into the model; its backends must then
// Forget u.Params().
func (u *Update) Apply() {
	for i, p := range u.params {
		copy(p.Data, u.values[i])
	}
}

// Read checks an exported file against m (and head and temp, when given;
// without them their tensors in the file are skipped: captions do not use
// them, and search re-ranks with the base model's temperature, m.Temp,
// which fine-tuning leaves as it was): every other name must be a tensor
// of m with the same shape.
func Read(m *blip2.Model, head *train.ITGHead, temp *weights.Param, f *weights.File) (*Update, error) {
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
	u := &Update{}
	for _, name := range f.Names() {
		p, ok := byName[name]
		if !ok {
			if blip2.TrainingOnly(name) || name == "temp" {
				continue
			}
			return nil, fmt.Errorf("finetune: %s is not a tensor of this model", name)
		}
		info, _ := f.Info(name)
		if fmt.Sprint(info.Shape) != fmt.Sprint(p.Shape) {
			return nil, fmt.Errorf("finetune: %s is %v in the file, %v in the model", name, info.Shape, p.Shape)
		}
		v, err := f.ReadF32(name)
		if err != nil {
			return nil, err
		}
		if len(v) != len(p.Data) {
			return nil, fmt.Errorf("finetune: %s has %d values, the model holds %d", name, len(v), len(p.Data))
		}
		u.params, u.values = append(u.params, p), append(u.values, v)
	}
	return u, nil
}

// Load is Read then Apply: it lays an exported file over m, or changes
// nothing. It returns the tensors it changed, whose device copies a
// backend must then Forget.
func Load(m *blip2.Model, head *train.ITGHead, temp *weights.Param, f *weights.File) ([]*weights.Param, error) {
	u, err := Read(m, head, temp, f)
	if err != nil {
		return nil, err
	}
	u.Apply()
	return u.Params(), nil
}

// Base keeps weights as they were before any change, to go back to.
type Base map[*weights.Param][]float32

// Keep saves the values of the tensors of ps not saved yet.
func (b Base) Keep(ps ...*weights.Param) {
	for _, p := range ps {
		if _, ok := b[p]; !ok {
			b[p] = append([]float32(nil), p.Data...)
		}
	}
}

// Restore writes every saved value back and returns the tensors, whose
// device copies a backend must then Forget.
func (b Base) Restore() []*weights.Param {
	var ps []*weights.Param
	for p, v := range b {
		copy(p.Data, v)
		ps = append(ps, p)
	}
	return ps
}

// DefaultTemp is LAVIS's initial ITC temperature, for a model that does
// not carry its trained one.
const DefaultTemp = 0.07

// Extras gives what fine-tuning needs beside a loaded model: the ITG
// head, read from the store the model came from (a model converted from a
// `server train` folder carries it, blip2.TrainingOnly), and the ITC
// temperature the model was bound with (Model.Temp). A model without them
// (a Hugging Face checkpoint) gets a new head, BERT's initialisation from
// seed, and DefaultTemp; fresh says so (of the head).
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
	temp = m.Temp // bound with the model when its store has one
	if temp == 0 {
		temp = DefaultTemp
	}
	return head, temp, fresh, nil
}
