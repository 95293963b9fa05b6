//go:build js && wasm

package main

import (
	"math"

	"honnef.co/go/js/dom/v2"
)

// lossChart draws each objective's loss per step on a canvas, each curve
// scaled to its own first value so that all four share one axis (a fall
// to half reads the same whatever the loss's size).
type lossChart struct {
	canvas *dom.HTMLCanvasElement
	steps  [][4]float64
}

var curveColours = [4]string{"#0a58ca", "#b35900", "#2e7d32", "#8e24aa"}
var curveNames = [4]string{"ITC", "ITM", "ITG", "captions"}

func newLossChart(c *dom.HTMLCanvasElement) *lossChart { return &lossChart{canvas: c} }

func (c *lossChart) clear() { c.steps = nil; c.draw() }

func (c *lossChart) add(l [4]float64) { c.steps = append(c.steps, l); c.draw() }

func (c *lossChart) draw() {
	ctx := c.canvas.Underlying().Call("getContext", "2d")
	w, h := float64(c.canvas.Width()), float64(c.canvas.Height())
	ctx.Call("clearRect", 0, 0, w, h)
	ctx.Set("font", "11px system-ui, sans-serif")
	ctx.Set("fillStyle", "#666")
	ctx.Call("fillText", "loss ÷ its first value, per step", 4, 12)
	for k := range curveNames {
		ctx.Set("fillStyle", curveColours[k])
		ctx.Call("fillText", curveNames[k], w-70, 14+14*float64(k))
	}
	n := len(c.steps)
	if n == 0 {
		return
	}
	top := 0.0
	for _, s := range c.steps {
		for k, v := range s {
			top = math.Max(top, v/math.Max(c.steps[0][k], 1e-9))
		}
	}
	top = math.Max(top, 1.05)
	x := func(i int) float64 { return 4 + (w-80)*float64(i)/math.Max(1, float64(n-1)) }
	y := func(r float64) float64 { return h - 4 - (h-24)*r/top }
	for k := range curveNames {
		ctx.Call("beginPath")
		ctx.Set("strokeStyle", curveColours[k])
		for i, s := range c.steps {
			r := s[k] / math.Max(c.steps[0][k], 1e-9)
			if i == 0 {
				ctx.Call("moveTo", x(i), y(r))
			} else {
				ctx.Call("lineTo", x(i), y(r))
			}
		}
		ctx.Call("stroke")
	}
}
