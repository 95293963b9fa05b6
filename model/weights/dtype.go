// Package weights reads and writes safetensors files and binds their tensors
// to model structs by checkpoint name. Everything here works on host memory
// (float32 slices); uploading to a GPU is someone else's job.
package weights

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DType is a safetensors element type, spelled as in the file header.
type DType string

// The element types of the safetensors format. All are recognised when a
// header is parsed (so a file holding, say, a BOOL buffer still opens);
// only the float and integer types below can be converted on read.
const (
	Bool    DType = "BOOL"
	U8      DType = "U8"
	I8      DType = "I8"
	F8E5M2  DType = "F8_E5M2"
	F8E4M3  DType = "F8_E4M3"
	I16     DType = "I16"
	U16     DType = "U16"
	F16     DType = "F16"
	BF16    DType = "BF16"
	I32     DType = "I32"
	U32     DType = "U32"
	F32     DType = "F32"
	F64     DType = "F64"
	I64     DType = "I64"
	U64     DType = "U64"
	invalid DType = ""
)

// dtypeInfo holds the element size and the rank the Rust safetensors writer
// uses to order tensors (larger rank first), so our files match its bytes.
var dtypeInfo = map[DType]struct{ size, rank int }{
	Bool: {1, 0}, U8: {1, 1}, I8: {1, 2}, F8E5M2: {1, 3}, F8E4M3: {1, 4},
	I16: {2, 5}, U16: {2, 6}, F16: {2, 7}, BF16: {2, 8}, I32: {4, 9},
	U32: {4, 10}, F32: {4, 11}, F64: {8, 12}, I64: {8, 13}, U64: {8, 14},
}

// Size is the number of bytes per element, or 0 for an unknown dtype.
func (d DType) Size() int { return dtypeInfo[d].size }

func (d DType) known() bool { _, ok := dtypeInfo[d]; return ok }

// IsFloat reports whether DecodeF32 accepts this dtype.
func (d DType) IsFloat() bool { return d == F32 || d == F16 || d == BF16 || d == F64 }

// IsInt reports whether DecodeI64 accepts this dtype.
func (d DType) IsInt() bool {
	switch d {
	case I64, I32, I16, I8, U8, U16, U32:
		return true
	}
	return false
}

// DecodeF32 widens (or, for F64, narrows) little-endian raw elements of
// dtype d into dst. len(raw) must be len(dst)*d.Size(). It is exported so a
// caller streaming a tensor in chunks can convert each chunk in place.
func DecodeF32(dst []float32, raw []byte, d DType) error {
	if !d.IsFloat() {
		return fmt.Errorf("weights: cannot read dtype %s as float32", d)
	}
	if len(raw) != len(dst)*d.Size() {
		return fmt.Errorf("weights: %d bytes of %s do not hold %d elements", len(raw), d, len(dst))
	}
	le := binary.LittleEndian
	switch d {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = HalfToFloat(le.Uint16(raw[2*i:]))
		}
	case BF16:
		// bfloat16 is the top half of a float32, so widening is a shift.
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16)
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	}
	return nil
}

// DecodeI64 widens little-endian integer elements of dtype d into dst.
// U64 is refused because values above MaxInt64 would silently wrap.
func DecodeI64(dst []int64, raw []byte, d DType) error {
	if !d.IsInt() {
		return fmt.Errorf("weights: cannot read dtype %s as int64", d)
	}
	if len(raw) != len(dst)*d.Size() {
		return fmt.Errorf("weights: %d bytes of %s do not hold %d elements", len(raw), d, len(dst))
	}
	le := binary.LittleEndian
	for i := range dst {
		switch d {
		case I64:
			dst[i] = int64(le.Uint64(raw[8*i:]))
		case I32:
			dst[i] = int64(int32(le.Uint32(raw[4*i:])))
		case U32:
			dst[i] = int64(le.Uint32(raw[4*i:]))
		case I16:
			dst[i] = int64(int16(le.Uint16(raw[2*i:])))
		case U16:
			dst[i] = int64(le.Uint16(raw[2*i:]))
		case I8:
			dst[i] = int64(int8(raw[i]))
		case U8:
			dst[i] = int64(raw[i])
		}
	}
	return nil
}

// HalfToFloat converts an IEEE 754 binary16 value to float32 exactly
// (every half value, subnormals included, is representable in float32).
func HalfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN; keep the payload
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: value = mant * 2^-24, exact in float32.
	v := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// FloatToHalf rounds a float32 to the nearest binary16 (ties to even),
// overflowing to infinity and keeping NaN a NaN, like PyTorch's .half().
func FloatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 // quiet NaN
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Result is subnormal (or zero): shift the full significand
		// (with its implicit 1) right and round to nearest even.
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		half := m >> shift
		rem := m & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is the correct rounding
	}
	return sign | uint16(half)
}
