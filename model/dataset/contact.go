package dataset

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Contact sheet layout: a grid of working-size images with their
// canonical captions in the 7×13 bitmap font, so that a person can see at
// a glance whether images and captions belong together.
const (
	sheetCols   = 6
	sheetRows   = 4
	cellW       = 112
	cellH       = WorkSize + 34 // image and two lines of text
	sheetHeader = 22
	charsPerRow = (cellW - 4) / 7
)

// WriteContactSheets draws one sheet per source of the dataset in dataDir
// into outDir/<source>.png, picking pairs by a hash of their ids and
// mixing splits, so the same build always gives the same sheets.
func WriteContactSheets(dataDir, outDir string) error {
	entries, err := ReadManifest(dataDir)
	if err != nil {
		return err
	}
	bySource := map[string][]Entry{}
	var order []string
	for _, e := range entries {
		if _, ok := bySource[e.Source]; !ok {
			order = append(order, e.Source)
		}
		bySource[e.Source] = append(bySource[e.Source], e)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for _, src := range order {
		es := bySource[src]
		sort.Slice(es, func(i, j int) bool { return keyHash(es[i].ID) < keyHash(es[j].ID) })
		es = es[:min(len(es), sheetCols*sheetRows)]
		sort.Slice(es, func(i, j int) bool { return es[i].ID < es[j].ID })
		img, err := contactSheet(dataDir, src, es)
		if err != nil {
			return err
		}
		b, err := encodePNG(img)
		if err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(outDir, src+".png"), b); err != nil {
			return err
		}
	}
	return nil
}

func contactSheet(dataDir, source string, es []Entry) (*image.Paletted, error) {
	rows := (len(es) + sheetCols - 1) / sheetCols
	rgba := image.NewRGBA(image.Rect(0, 0, sheetCols*cellW, sheetHeader+rows*cellH))
	draw.Draw(rgba, rgba.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	text(rgba, 4, 15, fmt.Sprintf("%s: %d pairs shown (split in brackets)", source, len(es)))
	for i, e := range es {
		x, y := (i%sheetCols)*cellW, sheetHeader+(i/sheetCols)*cellH
		f, err := os.Open(filepath.Join(dataDir, e.File))
		if err != nil {
			return nil, err
		}
		im, err := png.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.File, err)
		}
		draw.Draw(rgba, image.Rect(x+(cellW-WorkSize)/2, y, x+(cellW+WorkSize)/2, y+WorkSize), im, image.Point{}, draw.Src)
		lines := wrap(e.Caption+" ["+e.Split+"]", charsPerRow, 2)
		for k, l := range lines {
			text(rgba, x+2, y+WorkSize+12+13*k, l)
		}
	}
	// A 256-colour palette keeps the sheets small enough to keep in docs/.
	pal := image.NewPaletted(rgba.Bounds(), paletteWebSafePlusGrey())
	draw.Draw(pal, pal.Bounds(), rgba, image.Point{}, draw.Src)
	return pal, nil
}

func text(dst draw.Image, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// wrap breaks s into at most n lines of width characters, at spaces where
// it can, ending a cut text with "~" (the bitmap font has no ellipsis).
func wrap(s string, width, n int) []string {
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

// paletteWebSafePlusGrey is the 216 web-safe colours plus 40 greys, which
// keep the text and the white background exact.
func paletteWebSafePlusGrey() color.Palette {
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
