package tokenizer

// GPT-2's byte-level BPE works on text where every byte is one printable
// character: bytes that are already printable Latin-1 (except space and
// soft hyphen) stand for themselves, the other 68 are mapped, in order, to
// U+0100 and up. Thus space is 'Ġ' (U+0120) and newline 'Ċ' (U+010A).
var byteToRune, runeToByte = buildByteTables()

func buildByteTables() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := make(map[rune]byte, 256)
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	next := rune(256)
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !printable(b) {
			r = next
			next++
		}
		b2r[b] = r
		r2b[r] = byte(b)
	}
	return b2r, r2b
}

// bytesToSymbols maps each byte of s to its stand-in character.
func bytesToSymbols(s string) []string {
	out := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = string(byteToRune[s[i]])
	}
	return out
}

// symbolsToBytes undoes the mapping; characters outside the table (only
// possible in hand-made vocabularies) are dropped.
func symbolsToBytes(token string, dst []byte) []byte {
	for _, r := range token {
		if b, ok := runeToByte[r]; ok {
			dst = append(dst, b)
		}
	}
	return dst
}
