package train

import (
	"fmt"

	"blip2/model/weights"
)

// JointParams are what a joint step trains: stage 1's parameters (the
// whole Q-Former, its heads, ln_vision, the query tokens, temp) and the
// language projection. Sorted by name.
func (m *Model) JointParams() []*weights.Param {
	return sortParams(append(m.Stage1Params(), collectParams(m.LangProj)...))
}

// StepJoint runs one update over JointParams on stage 1's loss (ITC + ITM
// + ITG) over b1 plus w times stage 2's captioning loss over b2. The paper
// trains the query path for captioning after stage 1 and serves retrieval
// from the stage-1 checkpoint, because the captioning loss alone pulls
// the query outputs away from the text side ITC compares them with; with
// stage 1's losses in the same update, one model keeps both.
func (s *GPUStepper) StepJoint(b1, b2 *Batch, w float32) (*Stage1Result, *Stage2Result, error) {
	if s.Opt == nil {
		return nil, nil, fmt.Errorf("train: a GPU step needs an optimizer")
	}
	s.keepOutputs = false
	return s.joint(b1, b2, w, true)
}

// Joint is StepJoint's forward and backward without the update; the
// gradients over JointParams come back in the stage-1 result's Grads.
func (s *GPUStepper) Joint(b1, b2 *Batch, w float32) (*Stage1Result, *Stage2Result, error) {
	r1, r2, err := s.joint(b1, b2, w, false)
	if err != nil {
		return nil, nil, err
	}
	r1.Grads, err = s.readGrads(s.m.JointParams())
	return r1, r2, err
}

func (s *GPUStepper) joint(b1, b2 *Batch, w float32, update bool) (*Stage1Result, *Stage2Result, error) {
	m := s.m
	if m.FreezeQFormer {
		return nil, nil, fmt.Errorf("train: a joint step trains the query path; the Q-Former is frozen")
	}
	if err := m.checkStage1(b1); err != nil {
		return nil, nil, err
	}
	if err := m.checkStage2(b2); err != nil {
		return nil, nil, err
	}
	params := m.JointParams()
	s.begin(params)
	p1, err := s.stage1Pass(b1, PartsAll)
	if err != nil {
		return nil, nil, err
	}
	pass2, bos := s.captionPass()
	if err := pass2(b2, w); err != nil {
		return nil, nil, err
	}
	st, err := s.finish(params, update)
	if err != nil {
		return nil, nil, err
	}
	r2 := &Stage2Result{Loss: st[slotLM], LossWithBOS: st[bos]}
	r1, err := s.stage1Result(p1, st)
	return r1, r2, err
}
