// Package sheet has what the project's contact sheets share: captions in
// a bitmap font, wrapped to a cell, and a small palette that keeps the
// PNGs small enough for docs/.
package sheet

import (
	"image"
	"image/color"
	"image/draw"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Text draws s in the 7×13 bitmap font with its baseline at y.
func Text(dst draw.Image, x, y int, s string) { TextIn(dst, x, y, s, color.Black) }

// TextIn is Text in colour c.
func TextIn(dst draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// Wrap breaks s into at most n lines of width characters, at spaces where
// it can, ending a cut text with "~" (the bitmap font has no ellipsis).
func Wrap(s string, width, n int) []string {
	var lines []string
	words := strings.Fields(s)
	cur := ""
	for len(words) > 0 && len(lines) < n {
		w := words[0]
		switch {
		case cur == "" && len([]rune(w)) > width:
			r := []rune(w)
			lines, words[0] = append(lines, string(r[:width])), string(r[width:])
		case cur == "":
			cur, words = w, words[1:]
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur, words = cur+" "+w, words[1:]
		default:
			lines, cur = append(lines, cur), ""
		}
	}
	if cur != "" && len(lines) < n {
		lines = append(lines, cur)
	}
	if len(words) > 0 && len(lines) > 0 {
		r := []rune(lines[len(lines)-1])
		lines[len(lines)-1] = string(r[:min(len(r), width-1)]) + "~"
	}
	return lines
}

// Palette is the 216 web-safe colours plus 40 greys, which
// keep the text and the white background exact.
func Palette() color.Palette {
	var p color.Palette
	for r := 0; r < 6; r++ {
		for g := 0; g < 6; g++ {
			for b := 0; b < 6; b++ {
				p = append(p, color.RGBA{uint8(r * 51), uint8(g * 51), uint8(b * 51), 255})
			}
		}
	}
	for i := 0; i < 40; i++ {
		v := uint8(i * 255 / 39)
		p = append(p, color.RGBA{v, v, v, 255})
	}
	return p
}
