package stream

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"blip2/model/weights"
)

// Fetcher returns the bytes of one shard file: from disk natively, over
// HTTP in a browser.
type Fetcher func(file string) ([]byte, error)

// Store reads a converted model. It implements weights.Store, so the model
// binds from it as from a Hugging Face folder; quantized tensors are
// dequantized to f32 on read. Each shard is fetched once and checked
// against its sha256 before any of it is used.
type Store struct {
	M      *Manifest
	fetch  Fetcher
	shards map[int][]byte
	failed map[int]error // a shard that could not be fetched or verified, once
	// Checked says the fetcher returns only shards that passed CheckShard
	// (a browser cache must check them itself, to evict a bad entry), so
	// the store does not hash them a second time.
	Checked bool
	// DropRead forgets a shard as soon as each tensor in it has been read
	// as often as a model binds it (ReadF32, and ReadQuant for packed ones;
	// twice for a language model's token embedding when its head is tied
	// to it), so a loader that binds layer by layer holds a layer's shards
	// at a time. A tensor read more often fetches its shard again.
	DropRead bool
	// PackedOnly makes ReadF32 return no floats for a packed tensor: for
	// a loader whose backend multiplies by the codes (ReadQuant) and never
	// reads the floats, so a packed layer is never widened on the host.
	PackedOnly bool
	byName     map[string]*Tensor
	names      []string
	reads      map[int]int          // reads a shard has left before it can go
	expect     map[string]int       // "f"/"q" + tensor name: the reads a model makes
	seen       map[string]int       // the reads made so far, by the same keys
	tied       map[string][]float32 // a tied embedding's values, until its head reads them
	held       int64                // bytes of shards held now
	maxHeld    int64
}

// tiedHeads are the token embeddings a tied language-model head reads
// again (blip2's lm_head tags fall back to them) when the checkpoint has
// no head of its own.
var tiedHeads = map[string]string{
	"language_model.model.decoder.embed_tokens.weight": "language_model.lm_head.weight",
	"language_model.shared.weight":                     "language_model.lm_head.weight",
}

// NewStore reads a model through fetch.
func NewStore(m *Manifest, fetch Fetcher) *Store {
	s := &Store{M: m, fetch: fetch, shards: map[int][]byte{}, failed: map[int]error{}, byName: map[string]*Tensor{},
		reads: map[int]int{}, expect: map[string]int{}, seen: map[string]int{}, tied: map[string][]float32{}}
	for i := range m.Tensors {
		s.byName[m.Tensors[i].Name] = &m.Tensors[i]
	}
	for i := range m.Tensors {
		t := &m.Tensors[i]
		s.names = append(s.names, t.Name)
		n := 1
		if head, tied := tiedHeads[t.Name]; tied && s.byName[head] == nil {
			n = 2
		}
		kinds := []string{"f"}
		if t.packed() {
			kinds = append(kinds, "q") // ReadQuant reads it too
		}
		for _, k := range kinds {
			s.expect[k+t.Name] = n
			for _, sh := range t.shards() {
				s.reads[sh] += n
			}
		}
	}
	sort.Strings(s.names)
	return s
}

// IsConverted reports whether dir holds a model in the streaming format
// (its manifest.json).
func IsConverted(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "manifest.json"))
	return err == nil
}

// OpenDir reads manifest.json and the shards beside it.
func OpenDir(dir string) (*Store, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ParseManifest(f)
	if err != nil {
		return nil, err
	}
	return NewStore(m, func(file string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, file)) }), nil
}

func (s *Store) Names() []string { return s.names }

// Info describes a tensor as the f32 values ReadF32 returns.
func (s *Store) Info(name string) (weights.TensorInfo, bool) {
	t, ok := s.byName[name]
	if !ok {
		return weights.TensorInfo{}, false
	}
	return weights.TensorInfo{Name: name, DType: weights.F32, Shape: append([]int(nil), t.Shape...)}, true
}

// shard fetches and verifies a shard once.
func (s *Store) shard(i int) ([]byte, error) {
	if b, ok := s.shards[i]; ok {
		return b, nil
	}
	if err, ok := s.failed[i]; ok {
		return nil, err // every tensor of a bad shard: one fetch, one error
	}
	b, err := s.fetchShard(s.M.Shards[i])
	if err != nil {
		s.failed[i] = err
		return nil, err
	}
	s.shards[i] = b
	s.held += int64(len(b))
	s.maxHeld = max(s.maxHeld, s.held)
	return b, nil
}

// read counts a read of t's values (kind "f") or codes ("q"), up to the
// reads a model makes, and drops the shards read in full, under DropRead.
func (s *Store) read(kind string, t *Tensor) {
	key := kind + t.Name
	s.seen[key]++
	if s.seen[key] > s.expect[key] {
		return
	}
	for _, i := range t.shards() {
		s.reads[i]--
		if b, held := s.shards[i]; held && s.DropRead && s.reads[i] <= 0 {
			s.held -= int64(len(b))
			delete(s.shards, i)
		}
	}
}

// Held is the shard bytes the store holds now.
func (s *Store) Held() int64 { return s.held }

// MaxHeld is the most shard bytes the store has held at once.
func (s *Store) MaxHeld() int64 { return s.maxHeld }

func (s *Store) fetchShard(sh Shard) ([]byte, error) {
	b, err := s.fetch(sh.File)
	if err != nil {
		return nil, fmt.Errorf("stream: shard %s: %w", sh.File, err)
	}
	if !s.Checked {
		if err := CheckShard(b, sh); err != nil {
			return nil, fmt.Errorf("stream: shard %s: %w", sh.File, err)
		}
	}
	return b, nil
}

// CheckShard says whether b is the shard sh describes: its size and its
// sha256.
func CheckShard(b []byte, sh Shard) error {
	if int64(len(b)) != sh.Bytes {
		return fmt.Errorf("%d bytes, the manifest says %d (truncated download?)", len(b), sh.Bytes)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != sh.SHA256 {
		return errors.New("does not match its sha256 (corrupt download?)")
	}
	return nil
}

// Err is the first shard that could not be fetched or verified, if any:
// the cause behind every tensor a loader then failed to read.
func (s *Store) Err() error {
	for i := range s.M.Shards {
		if err, ok := s.failed[i]; ok {
			return err
		}
	}
	return nil
}

// ReadF32 assembles a tensor from its parts, dequantized. A tied
// embedding's second read (its head's) returns the first read's values,
// not a copy: a large vocabulary is widened once.
func (s *Store) ReadF32(name string) ([]float32, error) {
	t, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("stream: no tensor %q", name)
	}
	if v, ok := s.tied[name]; ok {
		delete(s.tied, name)
		s.read("f", t)
		return v, nil
	}
	if s.PackedOnly && t.packed() {
		s.read("f", t)
		return nil, nil
	}
	cols := 1
	for _, d := range t.Shape[1:] {
		cols *= d
	}
	out := make([]float32, 0, t.Shape[0]*cols)
	for _, p := range t.Parts {
		b, err := s.shard(p.Shard)
		if err != nil {
			return nil, err
		}
		v, err := decodeRows(b[p.Offset:p.Offset+p.Bytes], p.Rows, cols, t.DType)
		if err != nil {
			return nil, fmt.Errorf("stream: %s: %w", name, err)
		}
		out = append(out, v...)
	}
	if s.expect["f"+name] == 2 && s.seen["f"+name] == 0 {
		s.tied[name] = out
	}
	s.read("f", t)
	return out, nil
}

// Release drops fetched shards (after the weights were bound or uploaded).
func (s *Store) Release() { s.shards, s.held = map[int][]byte{}, 0 }

// ReadQuant returns a q8 or q4 tensor's codes and scales as stored, or nil
// for float tensors.
func (s *Store) ReadQuant(name string) (*weights.Quantized, error) {
	t, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("stream: no tensor %q", name)
	}
	if !t.packed() {
		return nil, nil
	}
	k := t.Shape[1]
	perWord := 4
	if t.DType == "q4" {
		perWord = 8
	}
	q := &weights.Quantized{DType: t.DType, Group: t.Group}
	// Sized once: grown by appending, a token table's codes (64 MB for
	// OPT-2.7B at int4) would leave several times that in garbage.
	var nCodes, nWords int
	for _, p := range t.Parts {
		nCodes += p.Rows * k / perWord
		nWords += int(p.Bytes / 4)
	}
	q.Codes, q.Scales = make([]uint32, 0, nCodes), make([]float32, 0, nWords-nCodes)
	for _, p := range t.Parts {
		b, err := s.shard(p.Shard)
		if err != nil {
			return nil, err
		}
		raw := b[p.Offset : p.Offset+p.Bytes]
		codes := p.Rows * k / perWord
		for i := 0; i < codes; i++ {
			q.Codes = append(q.Codes, binary.LittleEndian.Uint32(raw[4*i:]))
		}
		for i := codes; i < len(raw)/4; i++ {
			q.Scales = append(q.Scales, math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
	}
	s.read("q", t)
	return q, nil
}
