package train

import (
	"fmt"
	"math"
	"strings"

	"blip2/model/weights"
)

// Diff is the comparison of one tensor with its reference.
type Diff struct {
	Name    string
	MaxAbs  float64 // max |got − want|
	MaxRef  float64 // max |want|
	Worst   float64 // max over elements of |got − want| / (atol + rtol·|want|)
	Problem string  // missing, shape or dtype mismatch
}

// Tolerance returns the check of the project for a reference tensor name:
// losses 1e-5 absolute; intermediates atol = rtol = 1e-4; gradients
// 2e-5 + 1e-3·|ref|; integers exact.
func Tolerance(name string) (atol, rtol float64) {
	switch {
	case strings.HasPrefix(name, "loss"):
		return 1e-5, 0
	case strings.HasPrefix(name, "grad"):
		return 2e-5, 1e-3
	}
	return 1e-4, 1e-4
}

// Compare checks every tensor of want against got by name. Names of want
// missing from got are reported unless skip says so.
func Compare(got []weights.Tensor, want *weights.File, skip func(string) bool) []Diff {
	byName := map[string]weights.Tensor{}
	for _, t := range got {
		byName[t.Name] = t
	}
	var out []Diff
	for _, name := range want.Names() {
		if skip != nil && skip(name) {
			continue
		}
		d := Diff{Name: name}
		info, _ := want.Info(name)
		t, ok := byName[name]
		switch {
		case !ok:
			d.Problem = "missing"
		case fmt.Sprint(t.Shape) != fmt.Sprint(info.Shape):
			d.Problem = fmt.Sprintf("shape %v, want %v", t.Shape, info.Shape)
		case info.DType == weights.I64:
			w, err := want.ReadI64(name)
			g, isInt := t.Data.([]int64)
			if err != nil || !isInt {
				d.Problem = "dtype"
				break
			}
			for i := range w {
				if w[i] != g[i] {
					d.Problem = fmt.Sprintf("element %d: %d, want %d", i, g[i], w[i])
					break
				}
			}
		default:
			w, err := want.ReadF32(name)
			g, isF := t.Data.([]float32)
			if err != nil || !isF {
				d.Problem = "dtype"
				break
			}
			atol, rtol := Tolerance(name)
			for i := range w {
				e := math.Abs(float64(g[i]) - float64(w[i]))
				if math.IsNaN(e) {
					e = math.Inf(1)
				}
				d.MaxAbs = math.Max(d.MaxAbs, e)
				d.MaxRef = math.Max(d.MaxRef, math.Abs(float64(w[i])))
				d.Worst = math.Max(d.Worst, e/(atol+rtol*math.Abs(float64(w[i]))))
			}
		}
		out = append(out, d)
	}
	return out
}

// Failed reports whether a diff is out of tolerance.
func (d Diff) Failed() bool { return d.Problem != "" || d.Worst > 1 }
