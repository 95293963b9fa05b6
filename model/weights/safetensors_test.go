package weights

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fileFromHeader builds a safetensors file from a literal JSON header and
// a data section of n bytes.
func fileFromHeader(js string, n int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(js)))
	b.WriteString(js)
	b.Write(make([]byte, n))
	return b.Bytes()
}

func parse(data []byte) (*File, error) {
	return NewFile(bytes.NewReader(data), int64(len(data)))
}

func TestReadHeaderRejectsCorruptFiles(t *testing.T) {
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<40)
	long := make([]byte, 16)
	binary.LittleEndian.PutUint64(long, 100)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "shorter than", nil},
		{"truncated length", "shorter than", []byte{1, 2, 3}},
		{"huge header", "exceeds the", huge},
		{"header past end", "exceeds file size", long},
		{"not json", "not a JSON object", fileFromHeader("hello", 0)},
		{"broken json", `tensor "a": bad entry`, fileFromHeader(`{"a":`, 0)},
		{"trailing garbage", "trailing bytes", fileFromHeader(`{} x`, 0)},
		{"unknown dtype", `unknown dtype "F7"`, fileFromHeader(`{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}`, 4)},
		{"missing field", "needs dtype", fileFromHeader(`{"a":{"dtype":"F32","shape":[1]}}`, 4)},
		{"offset past data", "outside", fileFromHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4)},
		{"reversed offsets", "outside", fileFromHeader(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, 4)},
		{"size mismatch", "needs 8", fileFromHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 8)},
		{"negative dim", "negative", fileFromHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4)},
		{"overflowing shape", "too large", fileFromHeader(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4)},
		{"overlap", "overlap", fileFromHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8)},
		{"duplicate", "listed twice", fileFromHeader(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2)},
		{"bad metadata", "__metadata__", fileFromHeader(`{"__metadata__":{"x":1}}`, 0)},
		{"three offsets", "begin, end", fileFromHeader(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, 2)},
	}
	for _, c := range cases {
		_, err := parse(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestReadTensorsOfEveryFloatDType(t *testing.T) {
	js := `{"__metadata__":{"format":"pt"},` +
		`"f32":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"f16":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},` +
		`"bf16":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},` +
		`"i32":{"dtype":"I32","shape":[2],"data_offsets":[16,24]},` +
		`"i64":{"dtype":"I64","shape":[1,1],"data_offsets":[24,32]},` +
		`"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[32,32]}}   `
	data := fileFromHeader(js, 32)
	d := data[8+len(js):]
	le := binary.LittleEndian
	le.PutUint32(d[0:], math.Float32bits(1.5))
	le.PutUint32(d[4:], math.Float32bits(-2))
	le.PutUint16(d[8:], 0x3c00)  // 1.0 in half
	le.PutUint16(d[10:], 0xc000) // -2.0 in half
	le.PutUint16(d[12:], 0x3fc0) // 1.5 in bfloat16
	le.PutUint16(d[14:], 0x4049) // 3.140625 in bfloat16
	le.PutUint32(d[16:], uint32(0xffffffff))
	le.PutUint32(d[20:], 7)
	le.PutUint64(d[24:], 1<<40)
	f, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	checkF := func(name string, want ...float32) {
		got, err := f.ReadF32(name)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: %v %v", name, got, err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	checkF("f32", 1.5, -2)
	checkF("f16", 1, -2)
	checkF("bf16", 1.5, 3.140625)
	checkF("empty")
	ids, err := f.ReadI64("i32")
	if err != nil || ids[0] != -1 || ids[1] != 7 {
		t.Errorf("i32 = %v %v", ids, err)
	}
	ids, err = f.ReadI64("i64")
	if err != nil || ids[0] != 1<<40 {
		t.Errorf("i64 = %v %v", ids, err)
	}
	if _, err := f.ReadF32("i64"); err == nil {
		t.Error("reading I64 as float32 should fail")
	}
	if _, err := f.ReadF32("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing tensor error = %v", err)
	}
}

func TestHalfConversionMatchesKnownValues(t *testing.T) {
	cases := []struct {
		h uint16
		f float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xbc00, -1}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08},
		{0x03ff, 6.097555160522461e-05}, {0x0400, 6.103515625e-05}, {0x3555, 0.333251953125},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := HalfToFloat(c.h); got != c.f {
			t.Errorf("HalfToFloat(%#04x) = %v, want %v", c.h, got, c.f)
		}
		if got := FloatToHalf(c.f); got != c.h {
			t.Errorf("FloatToHalf(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	// Rounding: ties go to even, overflow goes to infinity.
	rounding := []struct {
		f float32
		h uint16
	}{
		{1 + 1.0/2048, 0x3c00},       // halfway between 1 and next: even (1)
		{1 + 3.0/2048, 0x3c02},       // halfway, rounds up to even
		{65520, 0x7c00},              // rounds past max half
		{2.98023223876953125e-08, 0}, // exactly half the smallest subnormal: even (0)
		{4.5e-08, 0x0001},
		{float32(math.NaN()), 0x7e00},
	}
	for _, c := range rounding {
		if got := FloatToHalf(c.f); got != c.h {
			t.Errorf("FloatToHalf(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	// Every finite half survives half -> float -> half.
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			continue // NaN payloads are canonicalised
		}
		if got := FloatToHalf(HalfToFloat(uint16(h))); got != uint16(h) {
			t.Fatalf("round trip of %#04x gave %#04x", h, got)
		}
	}
}

func TestBF16RoundsToNearestEven(t *testing.T) {
	cases := []struct {
		bits uint32
		want uint16
	}{
		{0x3f808000, 0x3f80}, // tie, even stays
		{0x3f818000, 0x3f82}, // tie, odd rounds up
		{0x3f808001, 0x3f81},
		{0x7f800000, 0x7f80},
	}
	for _, c := range cases {
		if got := FloatToBF16(math.Float32frombits(c.bits)); got != c.want {
			t.Errorf("FloatToBF16(%#08x) = %#04x, want %#04x", c.bits, got, c.want)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "w", DType: F32, Shape: []int{2, 2}, Data: []float32{1, 2, 3, -4}},
		{Name: "h", DType: F16, Shape: []int{3}, Data: []float32{0.5, -1, 65504}},
		{Name: "ids", DType: I64, Shape: []int{1, 2}, Data: []int64{-5, 1 << 50}},
		{Name: "mask<&>", DType: I32, Shape: []int{2}, Data: []int32{0, 1}},
		{Name: "scalar", DType: F32, Shape: []int{}, Data: []float32{7}},
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if n := binary.LittleEndian.Uint64(raw); n%8 != 0 || !bytes.Contains(raw, []byte(`"mask<&>"`)) {
		t.Errorf("header length %d not padded to 8 or name escaped: %q", n, raw[8:8+n])
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.Names(), " "); got != "h ids mask<&> scalar w" {
		t.Errorf("names = %s", got)
	}
	if info, _ := f.Info("ids"); info.Offset != f.DataOff {
		t.Errorf("I64 should come first in the data section like the Rust writer")
	}
	h, _ := f.ReadF32("h")
	if h[0] != 0.5 || h[1] != -1 || h[2] != 65504 {
		t.Errorf("h = %v", h)
	}
	ids, _ := f.ReadI64("ids")
	if ids[0] != -5 || ids[1] != 1<<50 {
		t.Errorf("ids = %v", ids)
	}
	s, _ := f.ReadF32("scalar")
	if len(s) != 1 || s[0] != 7 {
		t.Errorf("scalar = %v", s)
	}
}

func TestWriteRejectsBadTensors(t *testing.T) {
	bad := [][]Tensor{
		{{Name: "a", DType: F32, Shape: []int{3}, Data: []float32{1}}},
		{{Name: "a", DType: I64, Shape: []int{1}, Data: []float32{1}}},
		{{Name: "a", DType: F32, Shape: []int{1}, Data: []float64{1}}},
		{{Name: "a", DType: F32, Shape: []int{1}, Data: []float32{1}}, {Name: "a", DType: F32, Shape: []int{1}, Data: []float32{1}}},
	}
	for i, ts := range bad {
		if err := Write(&bytes.Buffer{}, ts, nil); err == nil {
			t.Errorf("case %d: want error", i)
		}
	}
}

// The reference sets were written by PyTorch's safetensors; writing the
// same tensors back must give the same bytes.
func TestWriteMatchesReferenceWriterBytes(t *testing.T) {
	for _, set := range []string{"blip2-tiny-a", "blip2-tiny-a2"} {
		path := filepath.Join("..", "..", "testdata", "golden", set, "inputs.safetensors")
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parse(want)
		if err != nil {
			t.Fatal(err)
		}
		var ts []Tensor
		for _, name := range f.Names() {
			info, _ := f.Info(name)
			tn := Tensor{Name: name, DType: info.DType, Shape: info.Shape}
			if info.DType == I64 {
				tn.Data, err = f.ReadI64(name)
			} else {
				tn.Data, err = f.ReadF32(name)
			}
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, tn)
		}
		var got bytes.Buffer
		if err := Write(&got, ts, f.Metadata); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: rewritten file differs from the reference bytes", set)
		}
	}
}

func TestGoldenInputIDsReadAsInt64(t *testing.T) {
	f, err := Open(filepath.Join("..", "..", "testdata", "golden", "blip2-tiny-a", "inputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids, err := f.ReadI64("input_ids")
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{2, 27, 50, 22, 17, 5, 43, 2, 92, 23, 60, 10, 1, 1, 2, 94, 94, 1, 1, 1, 1}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("input_ids = %v, want %v (README)", ids, want)
		}
	}
}
