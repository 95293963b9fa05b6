package blip2

import (
	"fmt"
	"math"

	"blip2/model/weights"
)

// CompareOutputs checks every reference tensor against ours: floats within
// atol + rtol·|want|, integers exactly. It returns one line per problem.
func CompareOutputs(got []weights.Tensor, want weights.Store, atol, rtol float64) []string {
	byName := map[string]weights.Tensor{}
	for _, g := range got {
		byName[g.Name] = g
	}
	var problems []string
	for _, name := range want.Names() {
		info, _ := want.Info(name)
		g, ok := byName[name]
		if !ok {
			problems = append(problems, name+": not produced")
			continue
		}
		if fmt.Sprint(g.Shape) != fmt.Sprint(info.Shape) {
			problems = append(problems, fmt.Sprintf("%s: shape %v, want %v", name, g.Shape, info.Shape))
			continue
		}
		if info.DType == weights.I64 {
			w, err := readI64(want, name)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", name, err))
				continue
			}
			for i, v := range g.Data.([]int64) {
				if v != w[i] {
					problems = append(problems, fmt.Sprintf("%s: [%d] = %d, want %d (got %v, want %v)", name, i, v, w[i], g.Data, w))
					break
				}
			}
			continue
		}
		w, _ := want.ReadF32(name)
		worst, bad := 0.0, 0
		for i, v := range g.Data.([]float32) {
			d := math.Abs(float64(v) - float64(w[i]))
			worst = math.Max(worst, d)
			if d > atol+rtol*math.Abs(float64(w[i])) || math.IsNaN(float64(v)) {
				bad++
			}
		}
		if bad > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d of %d off, max |Δ| %.3g", name, bad, len(w), worst))
		}
	}
	return problems
}

// readI64 reads an integer tensor from a store that can.
func readI64(s weights.Store, name string) ([]int64, error) {
	r, ok := s.(interface{ ReadI64(string) ([]int64, error) })
	if !ok {
		return nil, fmt.Errorf("store cannot read integer tensors")
	}
	return r.ReadI64(name)
}
