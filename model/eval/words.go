package eval

import (
	"strings"
	"unicode"
)

// Words is the metric tokenization of a caption: lower case, split on
// anything that is not a letter or a digit, so punctuation never counts as
// a word (the COCO caption evaluation drops it the same way).
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// ngrams counts the n-grams of words, each joined by a space.
func ngrams(words []string, n int) map[string]int {
	out := map[string]int{}
	for i := 0; i+n <= len(words); i++ {
		out[strings.Join(words[i:i+n], " ")]++
	}
	return out
}
