package train

import (
	"fmt"
	"sort"

	"blip2/model/weights"
)

// Grads are gradients keyed by parameter name, allocated on first use.
type Grads map[string][]float32

// Of returns the gradient slice of p, zeroed on first use.
func (g Grads) Of(p *weights.Param) []float32 {
	if p.Name == "" {
		panic("train: gradient of an unnamed parameter")
	}
	s, ok := g[p.Name]
	if !ok {
		s = make([]float32, len(p.Data))
		g[p.Name] = s
	}
	if len(s) != len(p.Data) {
		panic(fmt.Sprintf("train: gradient of %s has %d values for %d", p.Name, len(s), len(p.Data)))
	}
	return s
}

// Names returns the parameter names in sorted order.
func (g Grads) Names() []string {
	out := make([]string, 0, len(g))
	for n := range g {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AddFrom adds every gradient of o into g.
func (g Grads) AddFrom(o Grads) {
	for n, s := range o {
		d, ok := g[n]
		if !ok {
			g[n] = append([]float32(nil), s...)
			continue
		}
		addTo(d, s)
	}
}
