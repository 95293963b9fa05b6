package cpu

import "math"

// Activations of act_fwd and act_bwd, by their p.op value.
const (
	ActReLU      = 0 // max(x, 0)
	ActGELU      = 1 // exact GELU: 0.5·x·(1 + erf(x/√2))
	ActGELUTanh  = 2 // tanh approximation (HF "gelu_new")
	ActQuickGELU = 3 // x·sigmoid(1.702·x)
	ActErf       = 4 // erf itself, to test the kernel's approximation
)

// ActForward is the twin of act_fwd: out[i] = f(x[i]), in float64 with
// math.Erf and math.Tanh.
func ActForward(out, x []float32, n, op int) {
	for i := 0; i < n; i++ {
		v := float64(x[i])
		var r float64
		switch op {
		case ActReLU:
			r = math.Max(v, 0)
		case ActGELU:
			r = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
		case ActGELUTanh:
			r = 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		case ActQuickGELU:
			r = v / (1 + math.Exp(-1.702*v))
		default:
			r = math.Erf(v)
		}
		out[i] = float32(r)
	}
}

// ActBackward is the twin of act_bwd: dx[i] = dy[i]·f'(x[i]).
func ActBackward(dx, dy, x []float32, n, op int) {
	for i := 0; i < n; i++ {
		v := float64(x[i])
		var g float64
		switch op {
		case ActReLU:
			if v > 0 {
				g = 1
			}
		case ActGELU:
			g = 0.5*(1+math.Erf(v/math.Sqrt2)) + v*math.Exp(-0.5*v*v)/math.Sqrt(2*math.Pi)
		case ActGELUTanh:
			k := math.Sqrt(2 / math.Pi)
			t := math.Tanh(k * (v + 0.044715*v*v*v))
			g = 0.5*(1+t) + 0.5*v*(1-t*t)*k*(1+3*0.044715*v*v)
		case ActQuickGELU:
			s := 1 / (1 + math.Exp(-1.702*v))
			g = s + 1.702*v*s*(1-s)
		default:
			g = 2 / math.Sqrt(math.Pi) * math.Exp(-v*v)
		}
		dx[i] = float32(float64(dy[i]) * g)
	}
}
