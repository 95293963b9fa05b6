package dataset

import (
	"fmt"
	"strconv"
	"strings"
)

// pathArgs is how many numbers one segment of each path command takes.
var pathArgs = map[byte]int{'m': 2, 'l': 2, 'h': 1, 'v': 1, 'c': 6, 's': 4, 'q': 4, 't': 2, 'a': 7, 'z': 0}

// NormalizePath rewrites SVG path data so that every segment has its own
// command letter and numbers are separated by spaces. oksvg misreads the
// compact forms that SVG minifiers write: numbers glued together
// ("1.5.5" is 1.5 and .5), arc flags without separators ("a1 1 0 015 5"),
// and repeated segments after one command letter.
func NormalizePath(d string) (string, error) {
	var out strings.Builder
	i := 0
	var cmd byte
	skipSep := func() {
		for i < len(d) && (d[i] == ' ' || d[i] == ',' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
			i++
		}
	}
	for {
		skipSep()
		if i >= len(d) {
			break
		}
		c := d[i]
		if _, ok := pathArgs[c|0x20]; ok {
			cmd = c
			i++
			if c|0x20 == 'z' {
				out.WriteByte(c)
				out.WriteByte(' ')
				continue
			}
		} else if cmd == 0 || cmd|0x20 == 'z' {
			return "", fmt.Errorf("path data: number without command at %d", i)
		}
		// One segment of cmd; after a moveto, further pairs are linetos.
		n := pathArgs[cmd|0x20]
		out.WriteByte(cmd)
		for k := 0; k < n; k++ {
			skipSep()
			var v string
			var err error
			if cmd|0x20 == 'a' && (k == 3 || k == 4) {
				v, err = readFlag(d, &i)
			} else {
				v, err = readNumber(d, &i)
			}
			if err != nil {
				return "", err
			}
			out.WriteByte(' ')
			out.WriteString(v)
		}
		out.WriteByte(' ')
		if cmd == 'M' {
			cmd = 'L'
		} else if cmd == 'm' {
			cmd = 'l'
		}
	}
	return strings.TrimSpace(out.String()), nil
}

func readFlag(d string, i *int) (string, error) {
	if *i < len(d) && (d[*i] == '0' || d[*i] == '1') {
		*i++
		return d[*i-1 : *i], nil
	}
	return "", fmt.Errorf("path data: bad arc flag at %d", *i)
}

// readNumber reads one number: sign, digits, at most one point, exponent.
func readNumber(d string, i *int) (string, error) {
	start := *i
	j := *i
	if j < len(d) && (d[j] == '+' || d[j] == '-') {
		j++
	}
	digits, dot := 0, false
	for j < len(d) {
		switch c := d[j]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			goto exponent
		}
		j++
	}
exponent:
	if digits > 0 && j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		k := j + 1
		if k < len(d) && (d[k] == '+' || d[k] == '-') {
			k++
		}
		if k < len(d) && d[k] >= '0' && d[k] <= '9' {
			for k < len(d) && d[k] >= '0' && d[k] <= '9' {
				k++
			}
			j = k
		}
	}
	if digits == 0 {
		return "", fmt.Errorf("path data: number expected at %d", start)
	}
	f, err := strconv.ParseFloat(d[start:j], 64)
	if err != nil {
		return "", fmt.Errorf("path data: %v", err)
	}
	*i = j
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}
