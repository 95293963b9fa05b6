package dataset

import (
	"context"
	"fmt"
	"image"
	"sort"
	"sync"
)

// Thresholds of the renderer comparison: an icon mismatches when more than
// mismatchPixels of its pixels differ by more than mismatchGrey grey
// levels, both drawn on white at the working size; a set whose mismatch
// rate is above maxSetMismatch is drawn with rsvg-convert.
const (
	mismatchGrey   = 64
	mismatchPixels = 0.05
	maxSetMismatch = 0.02
)

// grey renders an image on white at the working size as grey levels.
func grey(img image.Image) []int {
	w := onWhite(onWhite(img, MasterSize), WorkSize)
	g := make([]int, 0, WorkSize*WorkSize)
	for i := 0; i < len(w.Pix); i += 4 {
		g = append(g, (299*int(w.Pix[i])+587*int(w.Pix[i+1])+114*int(w.Pix[i+2]))/1000)
	}
	return g
}

// PixelMismatch is the fraction of pixels whose grey levels differ by more
// than mismatchGrey.
func PixelMismatch(a, b image.Image) float64 {
	ga, gb := grey(a), grey(b)
	bad := 0
	for i := range ga {
		if d := ga[i] - gb[i]; d > mismatchGrey || d < -mismatchGrey {
			bad++
		}
	}
	return float64(bad) / float64(len(ga))
}

// SetComparison is the result of drawing one SVG set both ways.
type SetComparison struct {
	Source     string
	Icons      int
	Mismatches int
	GoErrors   int // icons oksvg could not draw at all (counted as mismatches)
	Worst      []string
}

func (c SetComparison) Rate() float64 {
	if c.Icons == 0 {
		return 0
	}
	return float64(c.Mismatches) / float64(c.Icons)
}

// UseRsvg says whether the set fails the comparison.
func (c SetComparison) UseRsvg() bool { return c.Rate() > maxSetMismatch }

func (c SetComparison) String() string {
	return fmt.Sprintf("%-18s %6d icons %5d mismatches (%.2f%%), %d not drawn by oksvg",
		c.Source, c.Icons, c.Mismatches, 100*c.Rate(), c.GoErrors)
}

// CompareSVG draws every SVG item with both renderers and counts the
// mismatches. Items that rsvg-convert itself cannot draw are left out:
// they are bad input, not a renderer difference.
func CompareSVG(ctx context.Context, source string, items []Item, workers int, tick func()) SetComparison {
	res := SetComparison{Source: source}
	type worst struct {
		id   string
		frac float64
	}
	var mu sync.Mutex
	var bad []worst
	jobs := make(chan *Item)
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				ref, err := RasterizeRsvg(it.Data, MasterSize)
				if err != nil {
					tick()
					continue
				}
				got, gerr := RasterizeGo(it.Data, MasterSize)
				frac := 1.0
				if gerr == nil {
					frac = PixelMismatch(ref, got)
				}
				mu.Lock()
				res.Icons++
				if gerr != nil {
					res.GoErrors++
				}
				if frac > mismatchPixels {
					res.Mismatches++
					bad = append(bad, worst{it.ID, frac})
				}
				mu.Unlock()
				tick()
			}
		}()
	}
	for i := range items {
		if items[i].Format != "svg" {
			continue
		}
		select {
		case jobs <- &items[i]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	sort.Slice(bad, func(i, j int) bool {
		if bad[i].frac != bad[j].frac {
			return bad[i].frac > bad[j].frac
		}
		return bad[i].id < bad[j].id
	})
	for i := 0; i < len(bad) && i < 5; i++ {
		res.Worst = append(res.Worst, fmt.Sprintf("%s (%.0f%%)", bad[i].id, 100*bad[i].frac))
	}
	return res
}
