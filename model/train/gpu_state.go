package train

import (
	"fmt"

	"blip2/model/gpu"
	"blip2/model/weights"
)

// Moments reads AdamW's first and second moments back from the device, by
// parameter name: what a checkpoint needs for a run to resume exactly.
// Parameters not yet updated have none.
func (s *GPUStepper) Moments() (map[string][2][]float32, error) {
	out := make(map[string][2][]float32, len(s.moments))
	for p, mv := range s.moments {
		m, err := mv[0].Read()
		if err != nil {
			return nil, err
		}
		v, err := mv[1].Read()
		if err != nil {
			return nil, err
		}
		out[p.Name] = [2][]float32{m, v}
	}
	return out, nil
}

// SetMoments uploads saved moments for params (a resumed run). Every
// parameter must have its pair, of its size.
func (s *GPUStepper) SetMoments(params []*weights.Param, saved map[string][2][]float32) error {
	if len(saved) != len(params) {
		return fmt.Errorf("train: the saved optimizer state has %d tensors, the stage trains %d", len(saved), len(params))
	}
	for _, p := range params {
		mv, ok := saved[p.Name]
		if !ok {
			return fmt.Errorf("train: the saved optimizer state has no moments for %s", p.Name)
		}
		if len(mv[0]) != len(p.Data) || len(mv[1]) != len(p.Data) {
			return fmt.Errorf("train: saved moments of %s hold %d and %d values, want %d", p.Name, len(mv[0]), len(mv[1]), len(p.Data))
		}
		if old, ok := s.moments[p]; ok {
			release(old[0], old[1])
		}
		s.moments[p] = [2]*gpu.Tensor{s.d.Upload(mv[0], len(p.Data)), s.d.Upload(mv[1], len(p.Data))}
	}
	return nil
}

// SetSteps sets the number of updates taken (a resumed run's schedule and
// bias corrections continue from there).
func (o *AdamW) SetSteps(n int) { o.step = n }

// Temp is the learnable ITC temperature after the last update.
func (s *GPUStepper) Temp() float32 { return s.temp }

// DeviceBytes is what the stepper holds on the device between steps: the
// trained weights, their AdamW moments, cached features and the frozen
// weights its forward passes uploaded (a step's activations and
// gradients come and go within the step).
func (s *GPUStepper) DeviceBytes() int64 {
	var n int64
	add := func(t *gpu.Tensor) {
		if t != nil {
			n += 4 * int64(t.Len())
		}
	}
	for _, t := range s.weights {
		add(t)
	}
	for _, mv := range s.moments {
		add(mv[0])
		add(mv[1])
	}
	for _, t := range s.feats {
		add(t)
	}
	return n + s.be.ParamBytes()
}
