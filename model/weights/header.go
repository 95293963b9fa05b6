package weights

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// MaxHeaderSize caps the JSON header. Real checkpoints need well under 1 MB
// (a 7B model lists ~300 tensors); the cap stops a corrupt length field from
// making us allocate gigabytes.
const MaxHeaderSize = 100 << 20

// TensorInfo describes one tensor of a safetensors file. Offset is absolute
// (from the start of the file), so a caller can fetch the bytes with an
// HTTP range request without knowing the header size.
type TensorInfo struct {
	Name   string
	DType  DType
	Shape  []int
	Offset int64 // first byte in the file
	Size   int64 // bytes
}

// NumElements is the product of the shape (1 for a scalar).
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Header is the parsed, validated header of one safetensors file.
type Header struct {
	Tensors  map[string]TensorInfo
	Names    []string // sorted
	Metadata map[string]string
	DataOff  int64 // where the data section starts: 8 + header length
}

// HeaderLength returns how many bytes (8 + JSON) the header occupies, given
// the first 8 bytes of the file, so a streaming reader knows how much to
// fetch before calling ParseHeader.
func HeaderLength(prefix []byte) (int64, error) {
	if len(prefix) < 8 {
		return 0, errors.New("safetensors: file shorter than the 8-byte header length")
	}
	n := binary.LittleEndian.Uint64(prefix)
	if n > MaxHeaderSize {
		return 0, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	return 8 + int64(n), nil
}

// ReadHeader reads and validates the header of a safetensors file of the
// given total size.
func ReadHeader(r io.ReaderAt, size int64) (*Header, error) {
	var prefix [8]byte
	if size < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", size)
	}
	if _, err := r.ReadAt(prefix[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	end, err := HeaderLength(prefix[:])
	if err != nil {
		return nil, err
	}
	if end > size {
		return nil, fmt.Errorf("safetensors: header length %d exceeds file size %d", end-8, size)
	}
	buf := make([]byte, end-8)
	if _, err := r.ReadAt(buf, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	return ParseHeader(buf, size-end)
}

// rawEntry is one tensor's JSON entry; pointers tell "missing" from zero.
type rawEntry struct {
	DType       *DType   `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// ParseHeader validates the JSON header (without the 8-byte length) against
// a data section of dataSize bytes. It checks everything the Rust reference
// checks that matters for safety: known dtypes, non-negative shapes without
// overflow, offsets inside the data section, sizes equal to dtype×shape and
// no two tensors sharing bytes.
func ParseHeader(js []byte, dataSize int64) (*Header, error) {
	h := &Header{Tensors: map[string]TensorInfo{}, DataOff: 8 + int64(len(js))}
	if !bytes.HasPrefix(js, []byte("{")) {
		return nil, errors.New("safetensors: header is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: header is not JSON: %w", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("safetensors: header is not JSON: %w", err)
		}
		name, _ := tok.(string)
		if name == "__metadata__" {
			if h.Metadata != nil {
				return nil, errors.New("safetensors: duplicate __metadata__")
			}
			if err := dec.Decode(&h.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__ must map strings to strings: %w", err)
			}
			if h.Metadata == nil {
				h.Metadata = map[string]string{}
			}
			continue
		}
		if _, dup := h.Tensors[name]; dup {
			return nil, fmt.Errorf("safetensors: tensor %q listed twice", name)
		}
		var e rawEntry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: bad entry: %w", name, err)
		}
		info, err := e.validate(name, dataSize)
		if err != nil {
			return nil, err
		}
		info.Offset += h.DataOff
		h.Tensors[name] = info
		h.Names = append(h.Names, name)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: header is not JSON: %w", err)
	}
	// Only padding may follow the object (the writers pad with spaces).
	if rest := bytes.TrimSpace(js[dec.InputOffset():]); len(rest) != 0 {
		return nil, errors.New("safetensors: trailing bytes after the header object")
	}
	sort.Strings(h.Names)
	return h, checkOverlap(h)
}

func (e rawEntry) validate(name string, dataSize int64) (TensorInfo, error) {
	if e.DType == nil || e.Shape == nil || e.DataOffsets == nil {
		return TensorInfo{}, fmt.Errorf("safetensors: tensor %q needs dtype, shape and data_offsets", name)
	}
	dt := *e.DType
	if !dt.known() {
		return TensorInfo{}, fmt.Errorf("safetensors: tensor %q has unknown dtype %q", name, string(dt))
	}
	count := int64(1)
	shape := make([]int, len(*e.Shape))
	for i, d := range *e.Shape {
		if d < 0 {
			return TensorInfo{}, fmt.Errorf("safetensors: tensor %q has negative dimension %d", name, d)
		}
		if d > 0 && count > math.MaxInt32*int64(256)/d {
			return TensorInfo{}, fmt.Errorf("safetensors: tensor %q shape %v is too large", name, *e.Shape)
		}
		count *= d
		shape[i] = int(d)
	}
	offs := *e.DataOffsets
	if len(offs) != 2 {
		return TensorInfo{}, fmt.Errorf("safetensors: tensor %q: data_offsets must be [begin, end]", name)
	}
	begin, end := offs[0], offs[1]
	if begin < 0 || end < begin || end > dataSize {
		return TensorInfo{}, fmt.Errorf("safetensors: tensor %q: data_offsets [%d, %d] outside the %d-byte data section",
			name, begin, end, dataSize)
	}
	if want := count * int64(dt.Size()); end-begin != want {
		return TensorInfo{}, fmt.Errorf("safetensors: tensor %q: %d bytes but %s%v needs %d",
			name, end-begin, dt, shape, want)
	}
	return TensorInfo{Name: name, DType: dt, Shape: shape, Offset: begin, Size: end - begin}, nil
}

// checkOverlap rejects tensors whose byte ranges intersect. Empty tensors
// occupy no bytes and may sit anywhere.
func checkOverlap(h *Header) error {
	infos := make([]TensorInfo, 0, len(h.Tensors))
	for _, n := range h.Names {
		if t := h.Tensors[n]; t.Size > 0 {
			infos = append(infos, t)
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Offset < infos[j].Offset })
	for i := 1; i < len(infos); i++ {
		if prev := infos[i-1]; prev.Offset+prev.Size > infos[i].Offset {
			return fmt.Errorf("safetensors: tensors %q and %q overlap", prev.Name, infos[i].Name)
		}
	}
	return nil
}
