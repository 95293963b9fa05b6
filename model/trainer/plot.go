package trainer

import (
	"fmt"
	"image/color"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// curveColours are distinguishable on white and in grey print.
var curveColours = []color.RGBA{{0, 0, 0, 255}, {213, 94, 0, 255}, {0, 114, 178, 255}, {0, 158, 115, 255}, {204, 121, 167, 255}, {230, 159, 0, 255}}

// PlotLosses draws every loss term of a log against the step, each
// smoothed by a trailing mean over smooth steps (1: raw), to a PNG.
func PlotLosses(recs []Record, title, path string, smooth int) error {
	if len(recs) == 0 {
		return fmt.Errorf("trainer: no log records to plot")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = "loss"
	p.Add(plotter.NewGrid())
	names := make([]string, 0, len(recs[0].Losses))
	for n := range recs[0].Losses {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { // the total first, in black
		if (names[i] == "loss") != (names[j] == "loss") {
			return names[i] == "loss"
		}
		return names[i] < names[j]
	})
	for i, n := range names {
		pts := make(plotter.XYs, len(recs))
		sum := 0.0
		for j, r := range recs {
			sum += float64(r.Losses[n])
			if j >= smooth {
				sum -= float64(recs[j-smooth].Losses[n])
			}
			pts[j] = plotter.XY{X: float64(r.Step), Y: sum / float64(min(j+1, smooth))}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.Color = curveColours[i%len(curveColours)]
		line.Width = vg.Points(1.2)
		if n == "loss" {
			line.Width = vg.Points(2)
		}
		p.Add(line)
		p.Legend.Add(n, line)
	}
	p.Legend.Top = true
	p.Y.Min = 0
	return p.Save(8*vg.Inch, 4.5*vg.Inch, path)
}
