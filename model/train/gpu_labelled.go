package train

import "blip2/model/gpu"

// Logits only where there is a label. A caption fills a third of its
// text positions on average (stage 1 draws the bare label half the time:
// 5 tokens of 24), and the rows after it carry the ignore index, so their
// logits over the whole vocabulary, the largest product of the ITG head
// and of stage 2, are computed and then thrown away. The heads therefore
// run on the labelled rows alone, gathered by Embedding (the rows as the
// table) and scattered back by its backward; a row's logits, loss and
// gradient are those it had among all the rows.

// labelledRows is which rows of an (N, C) tensor a head ran on.
type labelledRows struct {
	n   int         // rows of the full tensor
	idx *gpu.Tensor // the gathered rows' indices, padding included
}

// labelRowsMultiple pads the gathered rows to a multiple of 32 (with
// ignored copies of row 0), so that the products take a few shapes rather
// than one per batch.
const labelRowsMultiple = 32

// gatherLabelled returns the rows of x (N, C) that carry a label in any of
// the lists (each of N labels), and each list's labels of those rows.
func (s *GPUStepper) gatherLabelled(x *gpu.Tensor, lists ...[]int32) (*gpu.Tensor, *labelledRows, [][]int32) {
	n := x.Rows()
	var idx []uint32
	for r := 0; r < n; r++ {
		for _, l := range lists {
			if l[r] != gpu.IgnoreIndex {
				idx = append(idx, uint32(r))
				break
			}
		}
	}
	keep := len(idx)
	for len(idx) == 0 || len(idx)%labelRowsMultiple != 0 {
		idx = append(idx, 0)
	}
	out := make([][]int32, len(lists))
	for i, l := range lists {
		out[i] = make([]int32, len(idx))
		for j, r := range idx {
			out[i][j] = gpu.IgnoreIndex
			if j < keep {
				out[i][j] = l[r]
			}
		}
	}
	r := &labelledRows{n: n, idx: s.ids(idx, n, len(idx))}
	rows := s.keep(s.d.Embedding(r.idx, x.Reshape(n, x.Cols()), 0))
	return rows, r, out
}

// scatterLabelled is gatherLabelled's backward: d(x) (N, C) from d(rows),
// zero on the rows the head did not run on.
func (s *GPUStepper) scatterLabelled(drows *gpu.Tensor, r *labelledRows) *gpu.Tensor {
	return s.keep(s.d.EmbeddingBackward(drows, r.idx, r.n, 0))
}
