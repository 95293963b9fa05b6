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

	"blip2/model/sheet"
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
	sheet.Text(rgba, 4, 15, fmt.Sprintf("%s: %d pairs shown (split in brackets)", source, len(es)))
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
		lines := sheet.Wrap(e.Caption+" ["+e.Split+"]", charsPerRow, 2)
		for k, l := range lines {
			sheet.Text(rgba, x+2, y+WorkSize+12+13*k, l)
		}
	}
	// A 256-colour palette keeps the sheets small enough to keep in docs/.
	pal := image.NewPaletted(rgba.Bounds(), sheet.Palette())
	draw.Draw(pal, pal.Bounds(), rgba, image.Point{}, draw.Src)
	return pal, nil
}
