package tokenizer

import "unicode"

// splitGPT2 cuts text into the pieces GPT-2's pre-tokenizer regex finds:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// Go's regexp has no lookahead, so the alternation is walked by hand, trying
// the branches in the regex's order at each position, as a backtracking
// engine would.
func splitGPT2(text string) []string {
	r := []rune(text)
	var out []string
	for i := 0; i < len(r); {
		n := matchGPT2At(r, i)
		out = append(out, string(r[i:i+n]))
		i += n
	}
	return out
}

// matchGPT2At returns the length (in runes, >= 1) of the match at r[i].
func matchGPT2At(r []rune, i int) int {
	if n := contraction(r, i); n > 0 {
		return n
	}
	// " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional single
	// space, then a run of one class.
	for _, class := range []func(rune) bool{unicode.IsLetter, unicode.IsNumber, isOther} {
		start := i
		if r[start] == ' ' && start+1 < len(r) {
			start++
		}
		if !class(r[start]) {
			continue
		}
		end := start
		for end < len(r) && class(r[end]) {
			end++
		}
		return end - i
	}
	// r[i] is whitespace here. "\s+(?!\S)": the run, minus its last
	// character when a non-space follows (so that character can lead the
	// next word); if that leaves nothing, "\s+" takes the whole run.
	end := i
	for end < len(r) && unicode.IsSpace(r[end]) {
		end++
	}
	if end < len(r) && end-i > 1 {
		return end - 1 - i
	}
	return end - i
}

func isOther(c rune) bool {
	return !unicode.IsSpace(c) && !unicode.IsLetter(c) && !unicode.IsNumber(c)
}

// contraction matches 's 't 're 've 'm 'll 'd (lower case only, like GPT-2).
func contraction(r []rune, i int) int {
	if r[i] != '\'' || i+1 >= len(r) {
		return 0
	}
	switch r[i+1] {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(r) && r[i+2] == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(r) && r[i+2] == 'l' {
			return 3
		}
	}
	return 0
}
