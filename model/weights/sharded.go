package weights

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IndexFile is the name save_pretrained gives the shard index.
const IndexFile = "model.safetensors.index.json"

// Sharded joins several safetensors files into one Store, following the
// weight_map of a model.safetensors.index.json.
type Sharded struct {
	owner  map[string]*File // tensor name -> file holding it
	names  []string
	Shards []string // shard file names, in index order
}

// Index is the part of model.safetensors.index.json we use.
type Index struct {
	WeightMap map[string]string `json:"weight_map"`
}

// ParseIndex decodes a shard index and checks its shard names are plain
// file names (no directories), so an index cannot point outside its folder.
func ParseIndex(r io.Reader) (*Index, error) {
	var idx Index
	if err := json.NewDecoder(io.LimitReader(r, MaxHeaderSize)).Decode(&idx); err != nil {
		return nil, fmt.Errorf("safetensors index: %w", err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, errors.New("safetensors index: empty or missing weight_map")
	}
	for name, shard := range idx.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || strings.Contains(shard, "/") || shard == ".." {
			return nil, fmt.Errorf("safetensors index: tensor %q maps to bad shard name %q", name, shard)
		}
	}
	return &idx, nil
}

// NewSharded builds a Store from an index and already opened shards (keyed
// by shard file name). Every tensor the index names must be in its shard,
// and every tensor a shard holds must be listed for that shard: a mismatch
// means the index and the files come from different saves.
func NewSharded(idx *Index, shards map[string]*File) (*Sharded, error) {
	s := &Sharded{owner: map[string]*File{}}
	for name := range shards {
		s.Shards = append(s.Shards, name)
	}
	sort.Strings(s.Shards)
	for _, shard := range s.Shards {
		f := shards[shard]
		for _, name := range f.Names() {
			if want, ok := idx.WeightMap[name]; !ok || want != shard {
				return nil, fmt.Errorf("safetensors index: shard %s holds %q, which the index maps to %q", shard, name, want)
			}
			s.owner[name] = f
		}
	}
	for name, shard := range idx.WeightMap {
		if _, ok := s.owner[name]; !ok {
			return nil, fmt.Errorf("safetensors index: tensor %q missing from shard %s", name, shard)
		}
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	return s, nil
}

// OpenDir opens a checkpoint folder: the shards listed by
// model.safetensors.index.json if present, otherwise model.safetensors.
func OpenDir(dir string) (Store, io.Closer, error) {
	ix, err := os.Open(filepath.Join(dir, IndexFile))
	if errors.Is(err, os.ErrNotExist) {
		f, err := Open(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			return nil, nil, err
		}
		return f, f, nil
	}
	if err != nil {
		return nil, nil, err
	}
	idx, err := ParseIndex(ix)
	ix.Close()
	if err != nil {
		return nil, nil, err
	}
	files := map[string]*File{}
	closeAll := closers{}
	for _, shard := range idx.WeightMap {
		if files[shard] != nil {
			continue
		}
		f, err := Open(filepath.Join(dir, shard))
		if err != nil {
			closeAll.Close()
			return nil, nil, err
		}
		files[shard] = f
		closeAll = append(closeAll, f)
	}
	s, err := NewSharded(idx, files)
	if err != nil {
		closeAll.Close()
		return nil, nil, err
	}
	return s, closeAll, nil
}

type closers []*File

func (c closers) Close() error {
	var errs []error
	for _, f := range c {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Names lists all tensors of all shards, sorted.
func (s *Sharded) Names() []string { return s.names }

// Info describes one tensor; Offset is within its shard.
func (s *Sharded) Info(name string) (TensorInfo, bool) {
	f, ok := s.owner[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Info(name)
}

// ReadF32 reads one tensor from the shard holding it.
func (s *Sharded) ReadF32(name string) ([]float32, error) {
	f, ok := s.owner[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: no tensor %q", name)
	}
	return f.ReadF32(name)
}

// ReadI64 reads one integer tensor from the shard holding it.
func (s *Sharded) ReadI64(name string) ([]int64, error) {
	f, ok := s.owner[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: no tensor %q", name)
	}
	return f.ReadI64(name)
}
