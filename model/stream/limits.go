package stream

import (
	"fmt"
	"strings"

	"blip2/model/blip2"
	"blip2/model/weights"
)

// CheckLimits says, before anything is uploaded, whether every weight of a
// converted model fits the adapter's limits as the GPU backend stores it:
// a float weight is widened to f32 and a 2-D one split by rows into
// bindings of at most binding bytes (so each row must fit one); a packed
// weight's codes go in one buffer, which must fit a binding; and no buffer
// may pass maxBuffer. The error names each weight, the limit and by how
// much it is passed.
func CheckLimits(m *Manifest, binding, maxBuffer uint64) error {
	limit := binding
	name := "maxStorageBufferBindingSize"
	if maxBuffer > 0 && maxBuffer < limit {
		limit, name = maxBuffer, "maxBufferSize"
	}
	if limit == 0 {
		return nil
	}
	var bad []string
	for _, t := range m.Tensors {
		if blip2.TrainingOnly(t.Name) || len(t.Shape) == 0 {
			continue
		}
		rows, cols := uint64(t.Shape[0]), uint64(1)
		for _, d := range t.Shape[1:] {
			cols *= uint64(d)
		}
		var need uint64
		what := ""
		switch {
		case t.DType == "q8":
			need, what = rows*cols, "its int8 codes, in one buffer,"
		case t.DType == "q4":
			need, what = rows*cols/2, "its int4 codes, in one buffer,"
		case len(t.Shape) == 1:
			need, what = 4*rows, "it, in f32 in one buffer,"
		default:
			need, what = 4*cols, "one of its rows, in f32,"
		}
		if need > limit {
			bad = append(bad, fmt.Sprintf("%s %v: %s needs %s; the adapter's %s is %s (%s over)",
				t.Name, t.Shape, what, mib(need), name, mib(limit), mib(need-limit)))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	more := ""
	if len(bad) > 5 {
		more = fmt.Sprintf("\n  … and %d more", len(bad)-5)
		bad = bad[:5]
	}
	return fmt.Errorf("stream: the model does not fit this adapter:\n  %s%s", strings.Join(bad, "\n  "), more)
}

// CheckStoreLimits is CheckLimits for a model read as it is (a Hugging
// Face folder): every float weight widened to f32.
func CheckStoreLimits(src weights.Store, binding, maxBuffer uint64) error {
	m := &Manifest{}
	for _, n := range src.Names() {
		info, _ := src.Info(n)
		m.Tensors = append(m.Tensors, Tensor{Name: n, Shape: info.Shape, DType: "f32"})
	}
	return CheckLimits(m, binding, maxBuffer)
}

// mib writes a size in MiB, or in bytes when it is under one.
func mib(n uint64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
