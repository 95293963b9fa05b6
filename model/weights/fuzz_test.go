package weights

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzSafetensorsHeader feeds arbitrary bytes to the reader. It must never
// panic, and whatever it accepts must describe byte ranges inside the file
// that read back without error.
func FuzzSafetensorsHeader(f *testing.F) {
	f.Add(fileFromHeader(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(fileFromHeader(`{"a":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]},"b":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}`, 12))
	f.Add(fileFromHeader(`{"a":{"dtype":"F16","shape":[0],"data_offsets":[0,0]}}  `, 0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := parse(data)
		if err != nil {
			return
		}
		for _, name := range sf.Names() {
			info, _ := sf.Info(name)
			if info.Offset < sf.DataOff || info.Offset+info.Size > int64(len(data)) {
				t.Fatalf("%q: range [%d,+%d) outside file of %d", name, info.Offset, info.Size, len(data))
			}
			var err error
			switch {
			case info.DType.IsFloat():
				_, err = sf.ReadF32(name)
			case info.DType.IsInt():
				_, err = sf.ReadI64(name)
			default:
				_, _, err = sf.ReadRaw(name)
			}
			if err != nil {
				t.Fatalf("%q accepted but unreadable: %v", name, err)
			}
		}
	})
}

// FuzzSafetensorsRoundTrip writes tensors built from the fuzz input and
// checks they read back exactly (F16 after rounding).
func FuzzSafetensorsRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, "x", uint8(2))
	f.Add([]byte{}, "", uint8(0))
	f.Add([]byte{0, 0, 0xc0, 0x7f, 0xff, 0xff, 0x7f, 0x7f}, "a\"b\\c\u2028", uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, name string, rows uint8) {
		floats := make([]float32, len(raw)/4)
		for i := range floats {
			floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		ints := make([]int64, len(raw)/8)
		for i := range ints {
			ints[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		shape := []int{len(floats)}
		if r := int(rows); r > 0 && len(floats)%r == 0 {
			shape = []int{r, len(floats) / r}
		}
		in := []Tensor{
			{Name: name, DType: F32, Shape: shape, Data: floats},
			{Name: name + ".half", DType: F16, Shape: shape, Data: floats},
			{Name: name + ".ids", DType: I64, Shape: []int{len(ints)}, Data: ints},
		}
		var buf bytes.Buffer
		if err := Write(&buf, in, map[string]string{"k": name}); err != nil {
			if name == "__metadata__" || !utf8.ValidString(name) {
				return
			}
			t.Fatal(err)
		}
		sf, err := parse(buf.Bytes())
		if err != nil {
			t.Fatalf("reading what we wrote: %v", err)
		}
		if sf.Metadata["k"] != name {
			t.Errorf("metadata %q != %q", sf.Metadata["k"], name)
		}
		got, _ := sf.ReadF32(name)
		half, _ := sf.ReadF32(name + ".half")
		for i, v := range floats {
			if math.Float32bits(got[i]) != math.Float32bits(v) {
				t.Fatalf("f32[%d] = %v, want %v", i, got[i], v)
			}
			want := HalfToFloat(FloatToHalf(v))
			if !(half[i] == want || (half[i] != half[i] && want != want)) {
				t.Fatalf("f16[%d] = %v, want %v", i, half[i], want)
			}
		}
		gotIDs, _ := sf.ReadI64(name + ".ids")
		for i, v := range ints {
			if gotIDs[i] != v {
				t.Fatalf("i64[%d] = %v, want %v", i, gotIDs[i], v)
			}
		}
	})
}

// FuzzHalfRounding checks FloatToHalf against a float64 reference: the
// chosen half must be a nearest one, with ties broken to an even mantissa.
func FuzzHalfRounding(f *testing.F) {
	f.Add(uint32(0x3f800000))
	f.Add(uint32(0x477ff000))
	f.Add(uint32(0x33000000))
	f.Fuzz(func(t *testing.T, bits uint32) {
		x := math.Float32frombits(bits)
		if x != x {
			return
		}
		h := FloatToHalf(x)
		got := float64(HalfToFloat(h))
		if math.IsInf(got, 0) {
			if math.Abs(float64(x)) < 65520 {
				t.Fatalf("%v overflowed to %v", x, got)
			}
			return
		}
		d := math.Abs(got - float64(x))
		for _, n := range []uint16{h + 1, h - 1} {
			if n&0x7c00 == 0x7c00 || (h&0x7fff == 0 && n == h-1) {
				continue
			}
			alt := float64(HalfToFloat(n))
			da := math.Abs(alt - float64(x))
			if da < d || (da == d && h&1 == 1) {
				t.Fatalf("FloatToHalf(%v) = %v, but %v is nearer or an even tie", x, got, alt)
			}
		}
	})
}
