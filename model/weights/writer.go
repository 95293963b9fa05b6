package weights

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tensor is one tensor to write. Data must be []float32 (written as F32,
// F16 or BF16 according to DType), []int64 (I64) or []int32 (I32).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  any
}

// elements is the count the shape gives.
func (t Tensor) elements() (int, error) {
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return 0, fmt.Errorf("safetensors: tensor %q has negative dimension %d", t.Name, d)
		}
		n *= d
	}
	return n, nil
}

// count is elements, checked against Data.
func (t Tensor) count() (int, error) {
	n, err := t.elements()
	if err != nil {
		return 0, err
	}
	var have int
	switch d := t.Data.(type) {
	case []float32:
		have = len(d)
		if t.DType != F32 && t.DType != F16 && t.DType != BF16 {
			return 0, fmt.Errorf("safetensors: tensor %q: []float32 cannot be written as %s", t.Name, t.DType)
		}
	case []int64:
		have = len(d)
		if t.DType != I64 {
			return 0, fmt.Errorf("safetensors: tensor %q: []int64 must be written as I64, not %s", t.Name, t.DType)
		}
	case []int32:
		have = len(d)
		if t.DType != I32 {
			return 0, fmt.Errorf("safetensors: tensor %q: []int32 must be written as I32, not %s", t.Name, t.DType)
		}
	default:
		return 0, fmt.Errorf("safetensors: tensor %q: unsupported data type %T", t.Name, t.Data)
	}
	if have != n {
		return 0, fmt.Errorf("safetensors: tensor %q: %d values for shape %v", t.Name, have, t.Shape)
	}
	return n, nil
}

// Write writes a safetensors file laid out like the Rust reference writer:
// tensors ordered by dtype (wider first, so I64 precedes F32) then name,
// "__metadata__" first, header padded with spaces to a multiple of 8.
// Files written from the same tensors are byte-identical to PyTorch's.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	return WriteStream(w, tensors, metadata, nil)
}

// WriteStream is Write for tensors whose values are too many to hold at
// once: tensors give names, dtypes and shapes with nil Data, and fill
// returns each one's values just before they are written (so one tensor
// is in memory at a time). With a nil fill it is Write.
func WriteStream(w io.Writer, tensors []Tensor, metadata map[string]string, fill func(name string) (any, error)) error {
	ts := append([]Tensor(nil), tensors...)
	sort.SliceStable(ts, func(i, j int) bool {
		ri, rj := dtypeInfo[ts[i].DType].rank, dtypeInfo[ts[j].DType].rank
		if ri != rj {
			return ri > rj
		}
		return ts[i].Name < ts[j].Name
	})
	// JSON would silently turn invalid UTF-8 into U+FFFD, changing names.
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("safetensors: metadata %q: %q is not valid UTF-8", k, v)
		}
	}
	var hdr strings.Builder
	hdr.WriteByte('{')
	if len(metadata) > 0 {
		hdr.WriteString(`"__metadata__":`)
		hdr.WriteString(plainJSON(metadata)) // Go sorts map keys
	}
	seen := map[string]bool{}
	var off int64
	for i, t := range ts {
		if seen[t.Name] || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: tensor name %q used twice or reserved", t.Name)
		}
		if !utf8.ValidString(t.Name) {
			return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		}
		seen[t.Name] = true
		count := t.count // Data checked against the shape now, or after fill
		if fill != nil {
			count = t.elements
		}
		n, err := count()
		if err != nil {
			return err
		}
		if i > 0 || len(metadata) > 0 {
			hdr.WriteByte(',')
		}
		name := plainJSON(t.Name)
		end := off + int64(n*t.DType.Size())
		fmt.Fprintf(&hdr, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, t.DType, intList(t.Shape), off, end)
		off = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	bw := bufio.NewWriter(w)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(hdr.Len()))
	bw.Write(lenBuf[:])
	bw.WriteString(hdr.String())
	for _, t := range ts {
		if fill != nil {
			var err error
			if t.Data, err = fill(t.Name); err != nil {
				return err
			}
			if _, err := t.count(); err != nil {
				return err
			}
		}
		writeData(bw, t)
	}
	return bw.Flush()
}

// plainJSON encodes without Go's HTML escaping of <, > and &, which the
// Rust writer does not do either.
func plainJSON(v any) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // strings and string maps cannot fail
	return strings.TrimSuffix(sb.String(), "\n")
}

func intList(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// writeData emits little-endian elements; errors surface at Flush.
func writeData(w *bufio.Writer, t Tensor) {
	var b [8]byte
	le := binary.LittleEndian
	switch d := t.Data.(type) {
	case []float32:
		for _, v := range d {
			switch t.DType {
			case F32:
				le.PutUint32(b[:], math.Float32bits(v))
				w.Write(b[:4])
			case F16:
				le.PutUint16(b[:], FloatToHalf(v))
				w.Write(b[:2])
			case BF16:
				le.PutUint16(b[:], FloatToBF16(v))
				w.Write(b[:2])
			}
		}
	case []int64:
		for _, v := range d {
			le.PutUint64(b[:], uint64(v))
			w.Write(b[:8])
		}
	case []int32:
		for _, v := range d {
			le.PutUint32(b[:], uint32(v))
			w.Write(b[:4])
		}
	}
}

// FloatToBF16 rounds a float32 to bfloat16, ties to even, as PyTorch does.
func FloatToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40 // keep NaN a (quiet) NaN
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// WriteFile writes a safetensors file to disk.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, tensors, metadata); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
