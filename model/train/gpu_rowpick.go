package train

import "blip2/model/gpu"

// Work only on the rows that matter. A caption fills a third of its text
// positions on average (stages 0 to 2 draw the bare label half the time:
// 5 tokens of 24), and the positions after it are padding: masked out as
// keys, their outputs never read, their labels the ignore index. So the
// text feed-forward runs on the tokens alone, and the ITG head and stage
// 2's language-model head on the labelled rows alone: the rows are picked
// out, the layer runs on them, and its output is put back in place, with
// zero rows where it did not run. A padding row then carries zeros into
// the next layer, which is harmless where nothing reads it. A row that ran
// has the output, loss and gradient it had among all the rows.

// rowPick is a subset of the rows of (n, C) tensors, gathered and
// scattered by embedding_fwd, whose rows outside the table read as zeros.
type rowPick struct {
	n, k int         // rows of the full tensor; rows picked, padding included
	idx  *gpu.Tensor // (k) the picked rows, then n (a zero row) as padding
	inv  *gpu.Tensor // (n) each row's place among the picked, or k (a zero row)
}

// pickMultiple pads a pick to a multiple of 32 rows, so that the products
// take a few shapes rather than one per batch; the padding rows are zeros
// and their gradients zero.
const pickMultiple = 32

// newRowPick picks rows (ascending, each below n).
func (s *GPUStepper) newRowPick(rows []int, n int) *rowPick {
	k := max(pickMultiple, (len(rows)+pickMultiple-1)/pickMultiple*pickMultiple)
	idx, inv := make([]uint32, k), make([]uint32, n)
	for i := range inv {
		inv[i] = uint32(k)
	}
	for i := range idx {
		idx[i] = uint32(n)
		if i < len(rows) {
			idx[i], inv[rows[i]] = uint32(rows[i]), uint32(i)
		}
	}
	return &rowPick{n: n, k: k, idx: s.keep(s.d.UploadU32(idx, k)), inv: s.keep(s.d.UploadU32(inv, n))}
}

// pick returns the picked rows of x (n rows of C), (k, C).
func (s *GPUStepper) pick(x *gpu.Tensor, r *rowPick) *gpu.Tensor {
	return s.keep(s.d.Embedding(r.idx, x.Reshape(r.n, x.Len()/r.n), 0))
}

// put returns y (k rows of C) in place among n rows, (n, C), zero rows
// where nothing was picked: pick's backward, and pick is put's.
func (s *GPUStepper) put(y *gpu.Tensor, r *rowPick) *gpu.Tensor {
	return s.keep(s.d.Embedding(r.inv, y.Reshape(r.k, y.Len()/r.k), 0))
}

// labelledRows picks the rows that carry a label in any of the lists
// (each of n labels) and returns each list's labels of the picked rows.
func (s *GPUStepper) labelledRows(n int, lists ...[]int32) (*rowPick, [][]int32) {
	var rows []int
	for r := 0; r < n; r++ {
		for _, l := range lists {
			if l[r] != gpu.IgnoreIndex {
				rows = append(rows, r)
				break
			}
		}
	}
	p := s.newRowPick(rows, n)
	out := make([][]int32, len(lists))
	for i, l := range lists {
		out[i] = make([]int32, p.k)
		for j := range out[i] {
			out[i][j] = gpu.IgnoreIndex
			if j < len(rows) {
				out[i][j] = l[rows[j]]
			}
		}
	}
	return p, out
}

// firstRows is row 0 of each of b captions of t positions ([CLS], which
// ITC and the stage-0 text tower read).
func firstRows(b, t int) []int {
	rows := make([]int, b)
	for i := range rows {
		rows[i] = i * t
	}
	return rows
}

// tokenRows is the text rows of b captions of t positions that hold
// tokens, by each caption's mask; a caption past len(masks) (ITM's third
// block, whose captions are drawn on the device) keeps every row.
func tokenRows(masks [][]int, b, t int) []int {
	var rows []int
	for i := 0; i < b; i++ {
		for j := 0; j < t; j++ {
			if i >= len(masks) || masks[i][j] != 0 {
				rows = append(rows, i*t+j)
			}
		}
	}
	return rows
}
