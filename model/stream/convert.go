package stream

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"blip2/model/blip2"
	"blip2/model/weights"
)

// shardLimit is MaxShardBytes, lowered by tests to exercise split tensors.
var shardLimit = MaxShardBytes

// ShardName is a shard's file name, from its sha256: content-addressed,
// so a name never stands for two different contents (caches keep shards
// for good, and a client holding an old manifest cannot get new bytes).
func ShardName(sha256hex string) string { return "shard-" + sha256hex[:16] + ".bin" }

// Modes are the conversions Convert offers.
var Modes = []string{"f32", "f16", "int8", "int4"}

// shardWriter fills shards up to MaxShardBytes.
type shardWriter struct {
	dir    string
	shards []Shard
	cur    bytes.Buffer
}

func (w *shardWriter) flush() error {
	if w.cur.Len() == 0 {
		return nil
	}
	sum := sha256.Sum256(w.cur.Bytes())
	name := ShardName(hex.EncodeToString(sum[:]))
	if err := os.WriteFile(filepath.Join(w.dir, name), w.cur.Bytes(), 0o644); err != nil {
		return err
	}
	w.shards = append(w.shards, Shard{File: name, Bytes: int64(w.cur.Len()), SHA256: hex.EncodeToString(sum[:])})
	w.cur.Reset()
	return nil
}

// add appends one part, starting a new shard when it would not fit. Parts
// start on 16-byte boundaries.
func (w *shardWriter) add(b []byte, rows int) (Part, error) {
	pad := (16 - w.cur.Len()%16) % 16
	if w.cur.Len()+pad+len(b) > shardLimit {
		if err := w.flush(); err != nil {
			return Part{}, err
		}
		pad = 0
	}
	w.cur.Write(make([]byte, pad))
	p := Part{Shard: len(w.shards), Offset: int64(w.cur.Len()), Bytes: int64(len(b)), Rows: rows}
	w.cur.Write(b)
	return p, nil
}

// Convert writes a checkpoint in the streaming format under dir: every
// float tensor of src, stored per mode (f32, f16, int8, int4; PlanFor).
// configJSON is the Hugging Face config.json, kept verbatim. progress, if
// not nil, is called after each tensor.
func Convert(src weights.Store, configJSON []byte, mode, dir string, progress func(done, total int, name string)) (*Manifest, error) {
	return ConvertPlan(src, configJSON, PlanFor(mode), dir, progress)
}

// ConvertPlan is Convert with each part of the model stored as plan says.
func ConvertPlan(src weights.Store, configJSON []byte, plan Plan, dir string, progress func(done, total int, name string)) (*Manifest, error) {
	if err := plan.valid(); err != nil {
		return nil, err
	}
	mode := plan.Vision
	if !json.Valid(configJSON) {
		return nil, fmt.Errorf("stream: config.json is not valid JSON")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, Version: Version, Quant: mode, Config: json.RawMessage(configJSON)}
	if plan != PlanFor(mode) {
		m.Plan = &plan
	}
	w := &shardWriter{dir: dir}
	// Training-only tensors (the ITG head) go last, in shards of their
	// own, then the ITC temperature in one of its own: inference never
	// fetches the first and reads 4 bytes of the second (re-ranking's
	// scale), and the model's other shards stay what they are without
	// them.
	var names, extra, temp []string
	for _, n := range naturalOrder(src.Names()) {
		switch {
		case blip2.TrainingOnly(n):
			extra = append(extra, n)
		case n == "temp":
			temp = append(temp, n)
		default:
			names = append(names, n)
		}
	}
	names = append(append(names, extra...), temp...)
	units := layerUnits(src, names, plan)
	unit := ""
	for i, name := range names {
		// A layer big enough to matter gets shards of its own, so that a
		// loader can upload it and drop its bytes before the next arrives.
		if u := units[name]; u != unit {
			if err := w.flush(); err != nil {
				return nil, err
			}
			unit = u
		}
		info, _ := src.Info(name)
		if !info.DType.IsFloat() {
			return nil, fmt.Errorf("stream: tensor %s has dtype %v; a model checkpoint holds floats only", name, info.DType)
		}
		data, err := src.ReadF32(name)
		if err != nil {
			return nil, err
		}
		shape := info.Shape
		if len(shape) == 0 {
			shape = []int{1} // a scalar stored as one row
		}
		t := Tensor{Name: name, Shape: shape, DType: storedDType(name, shape, plan)}
		t.Group = t.group()
		if err := t.write(w, data); err != nil {
			return nil, err
		}
		m.Tensors = append(m.Tensors, t)
		if progress != nil {
			progress(i+1, len(names), name)
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	m.Shards = w.shards
	js, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return m, os.WriteFile(filepath.Join(dir, "manifest.json"), js, 0o644)
}

// ownShardsFrom is the stored size from which a Q-Former or
// language-model layer gets shards of its own: at an eighth of a shard,
// splitting bounds what a loader holds; below it, packing small layers
// together keeps the number of files (and requests) down. Image-encoder
// layers always have their own (the page uploads them one at a time).
var ownShardsFrom int64 = MaxShardBytes / 8 // a variable for tests

// layerUnits maps each tensor to the group it shares shards with: its
// layer ("vision_model.encoder.layers.3") where that layer gets shards
// of its own, "training" for the training-only tensors, "temp" for the
// ITC temperature, or "".
func layerUnits(src weights.Store, names []string, plan Plan) map[string]string {
	size := map[string]int64{}
	for _, n := range names {
		info, _ := src.Info(n)
		t := Tensor{Name: n, Shape: info.Shape, DType: storedDType(n, info.Shape, plan)}
		if len(t.Shape) == 0 {
			t.Shape = []int{1}
		}
		if row, err := t.bytesPerRow(); err == nil {
			size[layerUnit(n)] += row * int64(t.Shape[0])
		}
	}
	units := map[string]string{}
	for _, n := range names {
		switch u := layerUnit(n); {
		case blip2.TrainingOnly(n):
			units[n] = "training"
		case n == "temp":
			units[n] = "temp"
		case strings.HasPrefix(u, visionLayers) || u != "" && size[u] >= ownShardsFrom:
			units[n] = u
		}
	}
	return units
}

const visionLayers = "vision_model.encoder.layers."

// layerUnit is the transformer layer a tensor belongs to (an image-encoder
// layer, a Q-Former layer, an OPT decoder layer, a T5 block), or "".
func layerUnit(name string) string {
	for _, prefix := range []string{visionLayers, "qformer.encoder.layer.", "language_model.model.decoder.layers.",
		"language_model.encoder.block.", "language_model.decoder.block."} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			n, _, _ := strings.Cut(rest, ".")
			return prefix + n
		}
	}
	return ""
}

// write splits the tensor into parts of whole rows that fit a shard and
// records the quantization error of lossy dtypes.
func (t *Tensor) write(w *shardWriter, data []float32) error {
	row, err := t.bytesPerRow()
	if err != nil {
		return err
	}
	rows := t.Shape[0]
	cols := len(data) / rows
	perPart := max(1, int(int64(shardLimit)/row))
	if row > int64(shardLimit) {
		return fmt.Errorf("stream: one row of %s is %d bytes, over a shard", t.Name, row)
	}
	var decoded []float32
	for r := 0; r < rows; r += perPart {
		n := min(perPart, rows-r)
		b, err := encodeRows(data[r*cols:(r+n)*cols], n, cols, t.DType)
		if err != nil {
			return err
		}
		p, err := w.add(b, n)
		if err != nil {
			return err
		}
		t.Parts = append(t.Parts, p)
		if t.DType != "f32" {
			d, err := decodeRows(b, n, cols, t.DType)
			if err != nil {
				return err
			}
			decoded = append(decoded, d...)
		}
	}
	if t.DType != "f32" {
		t.RelError = relError(data, decoded)
	}
	return nil
}

func valid(mode string) bool {
	for _, m := range Modes {
		if m == mode {
			return true
		}
	}
	return false
}

// naturalOrder sorts names with their numbers compared as numbers
// ("layers.2" before "layers.10"): the order a model binds its layers in,
// so that shards are read through one after another and a store that
// drops what it has read holds few at a time.
func naturalOrder(names []string) []string {
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool { return naturalLess(out[i], out[j]) })
	return out
}

func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

// digits is the length of the run of ASCII digits s starts with.
func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
