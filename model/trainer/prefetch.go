package trainer

import (
	"context"
	"fmt"

	"blip2/model/train"
)

// prefetch builds the next step's batch (decoding and augmenting images on
// the host) while the device runs the current one. Batches come in step
// order and depend on the step alone, so prefetching changes nothing in
// what is trained.
type prefetch struct {
	ch     chan prefetched
	cancel context.CancelFunc
}

type prefetched struct {
	step int
	b    *train.Batch
	err  error
}

func newPrefetch(ctx context.Context, from, to int, load func(step int) (*train.Batch, error)) *prefetch {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetch{ch: make(chan prefetched, 1), cancel: cancel}
	go func() {
		defer close(p.ch)
		for step := from; step < to; step++ {
			b, err := load(step)
			select {
			case p.ch <- prefetched{step, b, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// get returns the batch of step, which must be the next one.
func (p *prefetch) get(step int) (*train.Batch, error) {
	r, ok := <-p.ch
	if !ok {
		return nil, fmt.Errorf("trainer: no batch for step %d (stopped)", step+1)
	}
	if r.step != step {
		return nil, fmt.Errorf("trainer: batch of step %d arrived for step %d", r.step+1, step+1)
	}
	return r.b, r.err
}

func (p *prefetch) stop() { p.cancel() }
