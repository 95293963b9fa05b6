package blip2

import (
	"fmt"

	"blip2/model/weights"
)

// RerankScore is what ITM's re-ranking orders candidates by: ITM's
// log-odds of a match (logits notMatch, match, averaged over the queries)
// plus ITC's logit, the cosine itc over the temperature the checkpoint
// was trained with (Temp; 1 when it carries none, which leaves the
// cosine).
//
// LAVIS's compute_sim_matrix adds the match logit alone to the cosine.
// Cross-entropy only ever sees the difference of the two logits, so what
// they share is never trained: it is the head's random start projected on
// the query outputs. A model whose ITM learned a lot drowns that out; a
// small one does not (on the default model the shared part varied more
// between candidates than the difference did, and re-ranking by the match
// logit put the right image first less often than ITC alone). The
// log-odds are the trained quantity, and the temperature puts ITC's
// evidence on the scale it was trained on.
func (m *Model) RerankScore(itc, notMatch, match float32) float32 {
	t := m.Temp
	if t <= 0 {
		t = 1
	}
	return match - notMatch + itc/t
}

// readTemp reads the learned ITC temperature ("temp", LAVIS's name) into
// m.Temp when src has it.
func readTemp(m *Model, src weights.Store) error {
	if _, ok := src.Info("temp"); !ok {
		return nil
	}
	v, err := src.ReadF32("temp")
	if err != nil {
		return err
	}
	if len(v) != 1 || !(v[0] > 0) {
		return fmt.Errorf("blip2: temp is %v, want one positive number", v)
	}
	m.Temp = v[0]
	return nil
}
