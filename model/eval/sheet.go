package eval

import (
	goimage "image"
	"image/color"
	"image/draw"

	"blip2/model/image"
	"blip2/model/sheet"
)

// A caption sheet: panels side by side, each a titled grid of images with
// the generated caption (black) and a note (grey: the dataset's caption,
// or where the image comes from) under each.
const (
	thumb      = 96
	capCellW   = 140
	capCellH   = thumb + 3*13 + 10
	capHeader  = 34
	capChars   = (capCellW - 4) / 7
	panelGap   = 16
	sheetTitle = 16
)

// SheetCell is one image of a caption sheet.
type SheetCell struct {
	Image   *image.RGB // decoded as the model decodes it
	Caption string
	Note    string
}

// SheetPanel is a titled grid of cells.
type SheetPanel struct {
	Title string
	Cells []SheetCell
}

// CaptionSheet draws panels of cols columns side by side under title.
func CaptionSheet(title string, panels []SheetPanel, cols int) *goimage.Paletted {
	rows := 0
	for _, p := range panels {
		rows = max(rows, (len(p.Cells)+cols-1)/cols)
	}
	pw := cols * capCellW
	w := len(panels)*pw + (len(panels)-1)*panelGap
	rgba := goimage.NewRGBA(goimage.Rect(0, 0, w, capHeader+rows*capCellH))
	draw.Draw(rgba, rgba.Bounds(), goimage.NewUniform(color.White), goimage.Point{}, draw.Src)
	sheet.Text(rgba, 4, sheetTitle-3, title)
	grey := color.Gray{Y: 110}
	for pi, p := range panels {
		x0 := pi * (pw + panelGap)
		sheet.Text(rgba, x0+4, capHeader-6, p.Title)
		for i, c := range p.Cells {
			x, y := x0+(i%cols)*capCellW, capHeader+(i/cols)*capCellH
			t := image.ResizeBicubic(c.Image, thumb, thumb)
			draw.Draw(rgba, goimage.Rect(x+(capCellW-thumb)/2, y, x+(capCellW+thumb)/2, y+thumb), rgbImage(t), goimage.Point{}, draw.Src)
			for k, l := range sheet.Wrap(c.Caption, capChars, 2) {
				sheet.Text(rgba, x+2, y+thumb+12+13*k, l)
			}
			for _, l := range sheet.Wrap(c.Note, capChars, 1) {
				sheet.TextIn(rgba, x+2, y+thumb+12+26, l, grey)
			}
		}
	}
	pal := goimage.NewPaletted(rgba.Bounds(), sheet.Palette())
	draw.Draw(pal, pal.Bounds(), rgba, goimage.Point{}, draw.Src)
	return pal
}

func rgbImage(r *image.RGB) *goimage.RGBA {
	out := goimage.NewRGBA(goimage.Rect(0, 0, r.W, r.H))
	for i := 0; i < r.W*r.H; i++ {
		copy(out.Pix[4*i:4*i+3], r.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}
