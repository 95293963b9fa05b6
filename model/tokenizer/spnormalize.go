package tokenizer

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// charsMap is SentencePiece's precompiled normalization map (the
// precompiled_charsmap of a .model file, or of the "Precompiled" normalizer
// of a tokenizer.json): a double-array trie (darts-clone layout) from UTF-8
// byte sequences to offsets of NUL-terminated replacements.
//
// Blob layout: <trie size: uint32 LE><trie: uint32 LE units><replacements>.
type charsMap struct {
	units        []uint32
	replacements []byte
}

func parseCharsMap(blob []byte) (*charsMap, error) {
	if len(blob) < 4 {
		return nil, errors.New("tokenizer: precompiled charsmap too short")
	}
	size := binary.LittleEndian.Uint32(blob)
	if size%4 != 0 || uint64(size) > uint64(len(blob)-4) || size == 0 {
		return nil, errors.New("tokenizer: precompiled charsmap has a bad trie size")
	}
	m := &charsMap{units: make([]uint32, size/4), replacements: blob[4+size:]}
	for i := range m.units {
		m.units[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	return m, nil
}

// longestPrefix returns the replacement for the longest key that is a
// prefix of s and that key's length in bytes (0 when none matches).
func (m *charsMap) longestPrefix(s string) (string, int) {
	// darts-clone unit fields: label = u & (1<<31 | 0xFF), has_leaf = bit 8,
	// value = u & (1<<31 - 1), offset = (u >> 10) << ((u & 1<<9) >> 6).
	offset := func(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
	n := uint32(len(m.units))
	pos := offset(m.units[0])
	bestLen, bestVal := 0, uint32(0)
	for i := 0; i < len(s); i++ {
		c := uint32(s[i])
		pos ^= c
		if pos >= n {
			break
		}
		u := m.units[pos]
		if u&(1<<31|0xFF) != c {
			break
		}
		pos ^= offset(u)
		if u>>8&1 == 1 {
			if pos >= n {
				break
			}
			bestLen, bestVal = i+1, m.units[pos]&(1<<31-1)
		}
	}
	if bestLen == 0 || int(bestVal) >= len(m.replacements) {
		return "", 0
	}
	r := m.replacements[bestVal:]
	if end := indexByte(r, 0); end >= 0 {
		r = r[:end]
	}
	return string(r), bestLen
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// spNormalizer applies SentencePiece's normalization (normalizer.cc):
// the character map (longest match at each position), then whitespace
// handling, with " " escaped as "▁".
type spNormalizer struct {
	cmap *charsMap // nil: the identity, or NFKC when nfkc is set
	nfkc bool      // fallback when a model ships no precompiled map
	spec NormalizerSpec
}

const spaceSymbol = "\u2581" // "▁"

func newSPNormalizer(spec NormalizerSpec) (*spNormalizer, error) {
	n := &spNormalizer{spec: spec}
	if len(spec.CharsMap) > 0 {
		m, err := parseCharsMap(spec.CharsMap)
		if err != nil {
			return nil, err
		}
		n.cmap = m
	}
	return n, nil
}

// prefix normalizes the start of s: it returns the replacement text and
// how many bytes of s it consumed.
func (n *spNormalizer) prefix(s string) (string, int) {
	if n.cmap != nil {
		if r, l := n.cmap.longestPrefix(s); l > 0 {
			return r, l
		}
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size <= 1 {
		return "\uFFFD", 1 // a malformed byte, as SentencePiece does
	}
	return s[:size], size
}

// normalize returns the text the Unigram lattice is built on.
func (n *spNormalizer) normalize(s string) string {
	if n.cmap == nil && n.nfkc {
		s = nfkcWithSpaces(s)
	}
	removeWS := n.spec.RemoveExtraWhitespaces
	space := " "
	if n.spec.EscapeWhitespaces {
		space = spaceSymbol
	}
	if removeWS { // drop leading spaces
		for s != "" {
			r, l := n.prefix(s)
			if r != " " {
				break
			}
			s = s[l:]
		}
	}
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	if n.spec.AddDummyPrefix {
		b.WriteString(space)
	}
	prevSpace := removeWS
	for s != "" {
		r, l := n.prefix(s)
		s = s[l:]
		if prevSpace && removeWS {
			r = strings.TrimLeft(r, " ")
		}
		if r != "" {
			if n.spec.EscapeWhitespaces {
				b.WriteString(strings.ReplaceAll(r, " ", spaceSymbol))
			} else {
				b.WriteString(r)
			}
			prevSpace = strings.HasSuffix(r, " ")
		}
		if !removeWS {
			prevSpace = false
		}
	}
	out := b.String()
	if removeWS {
		for strings.HasSuffix(out, space) {
			out = out[:len(out)-len(space)]
		}
	}
	return out
}

// nfkcWithSpaces is the fallback normalization for a model that carries
// no precompiled map: NFKC, with every Unicode white space and the
// C0 controls \t \n \r mapped to " ". SentencePiece's own nmt_nfkc map
// also deletes most other control characters; this fallback keeps them.
func nfkcWithSpaces(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
			return ' '
		}
		if r >= 0x2000 && r <= 0x200A {
			return ' '
		}
		return r
	}, s)
}
