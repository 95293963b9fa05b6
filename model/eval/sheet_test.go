package eval

import (
	"image/color"
	"testing"

	"blip2/model/image"
)

// TestCaptionSheet: two panels of a 4-column grid side by side, the
// taller one setting the height, each image drawn where its cell is.
func TestCaptionSheet(t *testing.T) {
	red := &image.RGB{W: 8, H: 8, Pix: make([]uint8, 3*64)}
	for i := 0; i < 64; i++ {
		red.Pix[3*i] = 255
	}
	cell := SheetCell{Image: red, Caption: "a red square", Note: "ref: red"}
	left := SheetPanel{Title: "left", Cells: []SheetCell{cell, cell, cell, cell, cell}}
	right := SheetPanel{Title: "right", Cells: []SheetCell{cell}}
	s := CaptionSheet("title", []SheetPanel{left, right}, 4)
	if w, h := s.Bounds().Dx(), s.Bounds().Dy(); w != 8*capCellW+panelGap || h != capHeader+2*capCellH {
		t.Fatalf("sheet %d×%d", w, h)
	}
	// The fifth image opens the second row of the left panel; the right
	// panel's first image starts after the gap.
	for _, at := range [][2]int{{capCellW / 2, capHeader + capCellH + thumb/2}, {4*capCellW + panelGap + capCellW/2, capHeader + thumb/2}} {
		if c := color.RGBAModel.Convert(s.At(at[0], at[1])).(color.RGBA); c.R < 200 || c.G > 50 {
			t.Errorf("at %v: %v, want the red image", at, c)
		}
	}
	if c := color.RGBAModel.Convert(s.At(4*capCellW+panelGap+capCellW/2, capHeader+capCellH+thumb/2)).(color.RGBA); c.G < 250 {
		t.Errorf("an empty cell is %v, want white", c)
	}
}
