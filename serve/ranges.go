package serve

import (
	"strconv"
	"strings"
)

// byteRange is one satisfiable range of an object.
type byteRange struct{ start, length int64 }

// rangeAnswer is what a Range header asks of an object of some size.
type rangeAnswer int

const (
	rangeNone          rangeAnswer = iota // no range, or one to ignore: the whole object, 200
	rangeOK                               // one satisfiable range, 206
	rangeUnsatisfiable                    // one range past the end, 416
)

// parseRange reads a Range header (RFC 9110 §14.1.2) for an object of
// size bytes. Only a single byte range is answered with 206; a malformed
// header, another unit or several ranges are ignored, which the RFC
// allows, and the whole object is sent.
func parseRange(h string, size int64) (byteRange, rangeAnswer) {
	unit, spec, found := strings.Cut(strings.TrimSpace(h), "=")
	if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") || strings.Contains(spec, ",") {
		return byteRange{}, rangeNone
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return byteRange{}, rangeNone
	}
	if first == "" { // suffix: the last n bytes
		n, ok := digits(last)
		if !ok {
			return byteRange{}, rangeNone
		}
		if n == 0 || size == 0 {
			return byteRange{}, rangeUnsatisfiable
		}
		n = min(n, size)
		return byteRange{size - n, n}, rangeOK
	}
	a, ok := digits(first)
	if !ok {
		return byteRange{}, rangeNone
	}
	end := size - 1
	if last != "" {
		b, ok := digits(last)
		if !ok || b < a {
			return byteRange{}, rangeNone
		}
		end = min(b, size-1)
	}
	if a >= size {
		return byteRange{}, rangeUnsatisfiable
	}
	return byteRange{a, end - a + 1}, rangeOK
}

// digits parses a non-empty run of ASCII digits; values past int64 read
// as the largest one (a position past any end).
func digits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 1<<63 - 1, true
	}
	return v, true
}
