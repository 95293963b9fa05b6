// Package stream is the project's streaming weight format: a JSON manifest
// plus raw shards of at most 64 MiB, so that a browser can fetch, verify and
// upload the frozen encoders piece by piece, under WebGPU's default 128 MiB
// binding limit.
//
// manifest.json holds the Hugging Face config verbatim, the list of shards
// with their sizes and sha256, and a tensor table. A tensor is stored as one
// or more parts, each a run of whole rows (axis 0) in one shard, so tensors
// larger than a shard (a 50272-row vocabulary) still stream. Weights may be
// quantized with the matmul kernels' own layouts (see cpu.QuantizeQ8 and
// cpu.QuantizeQ4): then each part carries its rows' packed codes followed by
// their scales.
package stream

import (
	"encoding/json"
	"fmt"
	"io"
	"path"

	"blip2/model/config"
)

// Format and Version identify the manifest layout.
const (
	Format  = "blip2-stream"
	Version = 1
	// MaxShardBytes keeps every shard, and so every part, under half of
	// WebGPU's default maxStorageBufferBindingSize.
	MaxShardBytes = 64 << 20
	// maxManifestBytes bounds what a reader will parse.
	maxManifestBytes = 64 << 20
)

// Manifest is manifest.json.
type Manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Quant   string `json:"quant"` // f32, f16, int8 or int4: what Convert was asked for
	// Plan is each part's mode, when it is not PlanFor(Quant).
	Plan    *Plan           `json:"plan,omitempty"`
	Config  json.RawMessage `json:"config"`
	Shards  []Shard         `json:"shards"`
	Tensors []Tensor        `json:"tensors"`
}

// Shard is one file of the model.
type Shard struct {
	File   string `json:"file"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Tensor is one entry of the tensor table.
type Tensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	// DType is how the values are stored: f32, f16, q8 (int8 codes with a
	// scale per row) or q4 (int4 codes with a scale per 32 values of a row).
	DType string `json:"dtype"`
	// Group is, for q8 and q4, how many consecutive values of a row share
	// one f32 scale (the whole row for q8, 32 for q4); each part stores its
	// rows' codes first, then their scales.
	Group int    `json:"group,omitempty"`
	Parts []Part `json:"parts"`
	// RelError is ‖w − dequantized(w)‖/‖w‖ for lossy dtypes, as converted.
	RelError float64 `json:"rel_error,omitempty"`
}

// Part is a run of rows of a tensor inside one shard.
type Part struct {
	Shard  int   `json:"shard"`
	Offset int64 `json:"offset"`
	Bytes  int64 `json:"bytes"`
	Rows   int   `json:"rows"`
}

// bytesPerRow is the stored size of one row (all axes but the first).
func (t *Tensor) bytesPerRow() (int64, error) {
	if len(t.Shape) == 0 {
		return 0, fmt.Errorf("stream: tensor %q has no shape", t.Name)
	}
	cols := int64(1)
	for _, s := range t.Shape {
		if s <= 0 || s > MaxShardBytes {
			return 0, fmt.Errorf("stream: tensor %q has shape %v", t.Name, t.Shape)
		}
	}
	for _, s := range t.Shape[1:] {
		cols *= int64(s)
		if cols > MaxShardBytes { // a row must fit a shard; this also bounds the products below
			return 0, fmt.Errorf("stream: a row of tensor %q (shape %v) is larger than a shard", t.Name, t.Shape)
		}
	}
	switch t.DType {
	case "f32":
		return 4 * cols, nil
	case "f16":
		return 2 * cols, nil
	case "q8":
		if len(t.Shape) != 2 || cols%4 != 0 {
			return 0, fmt.Errorf("stream: q8 tensor %q needs shape (N, K) with K a multiple of 4, has %v", t.Name, t.Shape)
		}
		return cols + 4, nil // codes, then one f32 scale
	case "q4":
		if len(t.Shape) != 2 || cols%q4Group != 0 {
			return 0, fmt.Errorf("stream: q4 tensor %q needs shape (N, K) with K a multiple of %d, has %v", t.Name, q4Group, t.Shape)
		}
		return cols/2 + 4*cols/q4Group, nil // nibbles, then a scale per group
	}
	return 0, fmt.Errorf("stream: tensor %q has unknown dtype %q", t.Name, t.DType)
}

// ParseManifest reads and checks a manifest: every part must lie inside its
// shard, parts must cover the tensor's rows exactly, and shard names must be
// plain file names so a manifest cannot point outside its folder.
func ParseManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(io.LimitReader(r, maxManifestBytes))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("stream: manifest: %w", err)
	}
	if m.Format != Format || m.Version != Version {
		return nil, fmt.Errorf("stream: manifest is %q version %d, want %q version %d", m.Format, m.Version, Format, Version)
	}
	if len(m.Config) == 0 {
		return nil, fmt.Errorf("stream: manifest has no config")
	}
	for i, s := range m.Shards {
		if s.File == "" || path.Base(s.File) != s.File || s.File == "." || s.File == ".." {
			return nil, fmt.Errorf("stream: shard %d has file name %q; want a plain file name", i, s.File)
		}
		if s.Bytes < 0 || s.Bytes > MaxShardBytes || len(s.SHA256) != 64 {
			return nil, fmt.Errorf("stream: shard %s: %d bytes, sha256 %q", s.File, s.Bytes, s.SHA256)
		}
	}
	seen := map[string]bool{}
	for i := range m.Tensors {
		t := &m.Tensors[i]
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("stream: tensor %d: empty or repeated name %q", i, t.Name)
		}
		seen[t.Name] = true
		row, err := t.bytesPerRow()
		if err != nil {
			return nil, err
		}
		if want := t.group(); t.Group != want {
			return nil, fmt.Errorf("stream: tensor %s: scale group %d, want %d for %s", t.Name, t.Group, want, t.DType)
		}
		rows := 0
		for _, p := range t.Parts {
			if p.Shard < 0 || p.Shard >= len(m.Shards) || p.Rows <= 0 || p.Rows > MaxShardBytes || p.Offset < 0 || p.Offset > MaxShardBytes ||
				p.Bytes != int64(p.Rows)*row || p.Offset+p.Bytes > m.Shards[p.Shard].Bytes {
				return nil, fmt.Errorf("stream: tensor %s: part %+v does not fit its shard or its rows", t.Name, p)
			}
			rows += p.Rows
		}
		if rows != t.Shape[0] {
			return nil, fmt.Errorf("stream: tensor %s: parts hold %d rows, shape %v has %d", t.Name, rows, t.Shape, t.Shape[0])
		}
	}
	return &m, nil
}

// configOf parses the manifest's Hugging Face config with its defaults.
func configOf(m *Manifest) (*config.Blip2Config, error) { return config.Parse(m.Config) }

// group is the scale group a dtype implies: none for floats.
// shards are the shards the tensor's parts are in, each once.
func (t *Tensor) shards() []int {
	var out []int
	for _, p := range t.Parts {
		if len(out) == 0 || out[len(out)-1] != p.Shard {
			out = append(out, p.Shard)
		}
	}
	return out
}

// packed says the tensor is stored as quantized codes and scales.
func (t *Tensor) packed() bool { return t.DType == "q8" || t.DType == "q4" }

func (t *Tensor) group() int {
	switch t.DType {
	case "q8":
		return t.Shape[len(t.Shape)-1]
	case "q4":
		return q4Group
	}
	return 0
}
