package weights

import (
	"fmt"
	"io"
	"os"
)

// Store is a read-only set of named tensors: one safetensors file, a
// sharded folder, or a fake in tests. Bind consumes it.
type Store interface {
	// Names lists every tensor, sorted.
	Names() []string
	// Info describes one tensor without reading its data.
	Info(name string) (TensorInfo, bool)
	// ReadF32 reads one tensor of a float dtype, widened to float32.
	ReadF32(name string) ([]float32, error)
}

// File is one safetensors file read lazily through an io.ReaderAt: opening
// it reads only the header, and each tensor is fetched when asked for.
type File struct {
	Header
	r      io.ReaderAt
	closer io.Closer
}

// NewFile parses the header of a safetensors file of the given size. The
// reader must stay valid while the File is used.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	h, err := ReadHeader(r, size)
	if err != nil {
		return nil, err
	}
	return &File{Header: *h, r: r}, nil
}

// Open opens a safetensors file on disk; Close releases it.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	sf, err := NewFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sf.closer = f
	return sf, nil
}

// Close releases the underlying file if Open created it.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Names lists the tensors in the file, sorted.
func (f *File) Names() []string { return f.Header.Names }

// Info describes one tensor.
func (f *File) Info(name string) (TensorInfo, bool) {
	t, ok := f.Tensors[name]
	return t, ok
}

// ReadRaw returns the tensor's bytes exactly as stored (little-endian).
func (f *File) ReadRaw(name string) ([]byte, TensorInfo, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, t, fmt.Errorf("safetensors: no tensor %q", name)
	}
	buf := make([]byte, t.Size)
	if _, err := f.r.ReadAt(buf, t.Offset); err != nil && !(err == io.EOF && t.Size == 0) {
		return nil, t, fmt.Errorf("safetensors: reading %q: %w", name, err)
	}
	return buf, t, nil
}

// ReadF32 reads an F32, F16, BF16 or F64 tensor as float32.
func (f *File) ReadF32(name string) ([]float32, error) {
	raw, t, err := f.ReadRaw(name)
	if err != nil {
		return nil, err
	}
	out := make([]float32, t.NumElements())
	if err := DecodeF32(out, raw, t.DType); err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	return out, nil
}

// ReadI64 reads an integer tensor (I64, I32, ...) as int64, e.g. token ids.
func (f *File) ReadI64(name string) ([]int64, error) {
	raw, t, err := f.ReadRaw(name)
	if err != nil {
		return nil, err
	}
	out := make([]int64, t.NumElements())
	if err := DecodeI64(out, raw, t.DType); err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	return out, nil
}
