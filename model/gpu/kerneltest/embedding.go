package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

type embShape struct {
	n, v, c, offset int
	badID           bool // one id outside the table: zeros forward, skipped backward
	browser         bool
	what            string
}

var embShapes = []embShape{
	{1, 1, 1, 0, false, true, "one id"},
	{13, 10, 7, 0, true, true, "repeats, an id out of range"},
	{9, 40, 37, 2, false, true, "offset 2"},
	{64 * 32, 4096, 768, 0, false, false, "64×32 tokens, 768 wide, many repeats"},
	{32, 512, 768, 0, false, false, "BERT positions 0..31"},
	{34, 2050, 2560, 2, false, false, "OPT positions, offset 2"},
}

// embIDs draws ids with heavy repeats (a third are 0, the pad id) and, if
// asked, one id past the table.
func embIDs(rng *rand.Rand, s embShape) []uint32 {
	ids := make([]uint32, s.n)
	for i := range ids {
		if rng.IntN(3) > 0 {
			ids[i] = uint32(rng.IntN(s.v - s.offset))
		}
	}
	if s.badID {
		ids[s.n/2] = uint32(s.v + 5)
	}
	return ids
}

func init() {
	for _, s := range embShapes {
		s := s
		shape := fmt.Sprintf("n=%d (%d,%d) %s", s.n, s.v, s.c, s.what)
		register(Case{
			Kernels: []string{"embedding_fwd", "embedding_bwd"}, Shape: shape, Atol: 0, Rtol: 0, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				ids, table, dy := embIDs(rng, s), randn(rng, s.v*s.c, 1), randn(rng, s.n*s.c, 1)
				out, dtable := make([]float32, s.n*s.c), make([]float32, s.v*s.c)
				cpu.EmbeddingForward(out, ids, table, s.n, s.v, s.c, s.offset)
				cpu.EmbeddingBackward(dtable, dy, ids, s.n, s.v, s.c, s.offset)
				// The twin sums repeated ids in id order in f32, as the
				// kernel does: the gradient must match bit for bit.
				tids, ttab, tdy := d.UploadU32(ids, s.n), d.Upload(table, s.v, s.c), d.Upload(dy, s.n, s.c)
				defer release(tids, ttab, tdy)
				got, err := readAll(d.Embedding(tids, ttab, s.offset), d.EmbeddingBackward(tdy, tids, s.v, s.offset))
				return got, concat(out, dtable), err
			},
		})
	}
}

func init() {
	s := embShapes[3]
	registerBench(Bench{
		Kernel: "embedding_fwd", Shape: fmt.Sprintf("n=%d (%d,%d)", s.n, s.v, s.c), Bytes: 8 * float64(s.n*s.c),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			ids, tab := d.UploadIDs(embIDs(rng, s), s.v, 0, s.n), d.Upload(randn(rng, s.v*s.c, 1), s.v, s.c)
			return func() { d.Embedding(ids, tab, 0).Release() }, func() { release(ids, tab) }
		},
		Twin: func(rng *rand.Rand) func() {
			ids, tab, out := embIDs(rng, s), randn(rng, s.v*s.c, 1), make([]float32, s.n*s.c)
			return func() { cpu.EmbeddingForward(out, ids, tab, s.n, s.v, s.c, 0) }
		},
	}, Bench{
		// Accumulates into one table: the figure excludes clearing it.
		Kernel: "embedding_bwd", Shape: fmt.Sprintf("n=%d (%d,%d)", s.n, s.v, s.c), Bytes: 12 * float64(s.n*s.c),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			ids, dy, dtab := d.UploadIDs(embIDs(rng, s), s.v, 0, s.n), d.Upload(randn(rng, s.n*s.c, 1), s.n, s.c), d.Zeros(s.v, s.c)
			return func() { d.EmbeddingBackwardAdd(dtab, dy, ids, 0) }, func() { release(ids, dy, dtab) }
		},
		Twin: func(rng *rand.Rand) func() {
			ids, dy, dtab := embIDs(rng, s), randn(rng, s.n*s.c, 1), make([]float32, s.v*s.c)
			return func() { cpu.EmbeddingBackward(dtab, dy, ids, s.n, s.v, s.c, 0) }
		},
	})
}
