package tokenizer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// basicTokenize is BERT's BasicTokenizer (transformers v4.45): clean the
// text, put spaces around CJK ideographs, NFC-normalize, split on
// whitespace, lower-case and strip accents (uncased models), then split
// punctuation into tokens of their own.
func basicTokenize(text string, lowercase bool) []string {
	text = cleanText(text)
	text = spaceCJK(text)
	text = norm.NFC.String(text)
	var out []string
	for _, word := range strings.FieldsFunc(text, unicode.IsSpace) {
		if lowercase {
			word = stripAccents(strings.ToLower(word))
		}
		out = append(out, splitPunctuation(word)...)
	}
	return out
}

// cleanText drops NUL, U+FFFD and control characters and turns every
// whitespace character into a plain space.
func cleanText(text string) string {
	var sb strings.Builder
	for _, r := range text {
		switch {
		case r == 0 || r == unicode.ReplacementChar || isControl(r):
		case isBertSpace(r):
			sb.WriteByte(' ')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// isBertSpace is BERT's whitespace: \t \n \r and category Zs.
func isBertSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || unicode.Is(unicode.Zs, r)
}

// isControl is BERT's control test: any "C*" category except \t \n \r
// (those count as whitespace).
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) {
		return true
	}
	// Unassigned code points (Cn) are "C*" for Python's unicodedata too.
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// isPunctuation is BERT's test: all non-alphanumeric printable ASCII (so
// "$", "^", "`" count) plus every Unicode "P*" character.
func isPunctuation(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return unicode.IsPunct(r)
}

// isCJK covers the CJK Unified Ideographs blocks BERT singles out. Hangul,
// kana and other scripts are deliberately not included.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) || (r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

func spaceCJK(text string) string {
	var sb strings.Builder
	for _, r := range text {
		if isCJK(r) {
			sb.WriteByte(' ')
			sb.WriteRune(r)
			sb.WriteByte(' ')
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// stripAccents decomposes (NFD) and drops nonspacing marks (Mn).
func stripAccents(s string) string {
	var sb strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func splitPunctuation(word string) []string {
	var out []string
	start := 0
	for i, r := range word {
		if !isPunctuation(r) {
			continue
		}
		if i > start {
			out = append(out, word[start:i])
		}
		out = append(out, string(r))
		start = i + len(string(r))
	}
	if start < len(word) {
		out = append(out, word[start:])
	}
	return out
}
