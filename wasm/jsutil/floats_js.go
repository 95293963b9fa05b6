//go:build js && wasm

package jsutil

import (
	"encoding/binary"
	"math"
)

// FloatsLE is xs as little-endian bytes: how float32 data is cached and
// posted between the page and its worker.
func FloatsLE(xs []float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// FloatsFromLE reads FloatsLE's bytes back (a trailing partial value is
// dropped).
func FloatsFromLE(b []byte) []float32 {
	xs := make([]float32, len(b)/4)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return xs
}
