package blip2

import (
	"math"
	"math/rand/v2"
	"sort"
)

// process applies the logits processors Hugging Face applies before the
// choice: the repetition penalty over tokens already generated, and eos
// suppression before MinNewTokens. It changes a copy.
func process(logits []float32, generated []int, step, eos int, o GenerateOptions) []float32 {
	l := append([]float32(nil), logits...)
	if p := float32(o.RepetitionPenalty); p > 0 && p != 1 {
		for _, t := range generated {
			if l[t] < 0 {
				l[t] *= p
			} else {
				l[t] /= p
			}
		}
	}
	if step < o.MinNewTokens {
		l[eos] = float32(math.Inf(-1))
	}
	return l
}

// Argmax is the index of the largest value (the first of equals).
func Argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// sampleOrGreedy is greedy decoding, or nucleus sampling when o.Sample.
// Rows that emitted eos continue with pad, as Hugging Face does, and the
// loop stops when every row is done.
func sampleOrGreedy(st stepper, batch, start, eos, pad int, o GenerateOptions) (*Generated, error) {
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	g := &Generated{IDs: make([][]int, batch)}
	done := make([]bool, batch)
	for i := range g.IDs {
		g.IDs[i] = []int{start}
	}
	logits, err := st.first()
	for step := 0; step < o.MaxNewTokens; step++ {
		if err != nil {
			return nil, err
		}
		g.Scores = append(g.Scores, logits)
		next := make([]int, batch)
		all := true
		for i := range next {
			if done[i] {
				next[i] = pad
			} else {
				l := process(logits[i], o.inCaption(i, g.IDs[i][1:]), step, eos, o)
				if o.Sample {
					next[i] = nucleus(l, o.TopP, o.Temperature, rng)
				} else {
					next[i] = Argmax(l)
				}
				done[i] = next[i] == eos
			}
			g.IDs[i] = append(g.IDs[i], next[i])
			all = all && done[i]
		}
		if all || step == o.MaxNewTokens-1 {
			break
		}
		logits, err = st.next(next)
	}
	return g, nil
}

// nucleus samples from the smallest set of tokens whose probability mass
// reaches topP, after dividing the logits by the temperature.
func nucleus(logits []float32, topP, temperature float64, rng *rand.Rand) int {
	if temperature <= 0 {
		temperature = 1
	}
	if topP <= 0 || topP > 1 {
		topP = 1
	}
	p := softmax64(logits, temperature)
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	keep, mass := 0, 0.0
	for keep < len(idx) && (keep == 0 || mass < topP) {
		mass += p[idx[keep]]
		keep++
	}
	r := rng.Float64() * mass
	for _, i := range idx[:keep] {
		r -= p[i]
		if r <= 0 {
			return i
		}
	}
	return idx[keep-1]
}

func softmax64(logits []float32, temperature float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v)/temperature)
	}
	p, s := make([]float64, len(logits)), 0.0
	for i, v := range logits {
		p[i] = math.Exp(float64(v)/temperature - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// logSoftmax is log(softmax(l)) in float64.
func logSoftmax(l []float32) []float64 {
	p := softmax64(l, 1)
	for i := range p {
		p[i] = math.Log(p[i])
	}
	return p
}
