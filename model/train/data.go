package train

import "math/rand/v2"

// Toy captioning data for overfitting checks: coloured shapes on a dark
// background with captions in a tiny vocabulary (ids below 16): 0 = [PAD],
// 1 = [CLS], 2 = [SEP], 3 = "a", 4.. colours, 8.. shapes.
var (
	toyColours = [][3]float32{{1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}, {1, 1, -1}} // red, green, blue, yellow
	toyShapes  = []string{"square", "stripe"}
)

// ToyPairs returns n ≤ 8 image–caption pairs of size×size images: pixels
// (n, 3, size, size), ids and masks (n, 6) as "[CLS] a <colour> <shape>
// [SEP] [PAD]". The shape position is jittered by rng.
func ToyPairs(n, size int, rng *rand.Rand) (pixels []float32, ids, mask [][]int) {
	for i := 0; i < n; i++ {
		c, s := i%len(toyColours), (i/len(toyColours))%len(toyShapes)
		img := make([]float32, 3*size*size)
		for j := range img {
			img[j] = -0.8
		}
		r := size / 4
		cx, cy := size/2+rng.IntN(3)-1, size/2+rng.IntN(3)-1
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				dx, dy := x-cx, y-cy
				in := abs(dx) <= r && abs(dy) <= r
				if toyShapes[s] == "stripe" { // a full-width horizontal band
					in = abs(dy) <= r/2
				}
				if in {
					for ch := 0; ch < 3; ch++ {
						img[(ch*size+y)*size+x] = toyColours[c][ch]
					}
				}
			}
		}
		pixels = append(pixels, img...)
		ids = append(ids, []int{1, 3, 4 + c, 8 + s, 2, 0})
		mask = append(mask, []int{1, 1, 1, 1, 1, 0})
	}
	return pixels, ids, mask
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// GreedyITG decodes a caption per image with the Q-Former's ITG head:
// [DEC] first, the multimodal causal pass over the tokens so far, the
// argmax of the last position, until sep or maxLen tokens (the first,
// [DEC], included). The returned rows start with bos (the [CLS] the
// captions carry in that position).
func (m *Model) GreedyITG(pixels []float32, shape []int, dec, bos, sep, maxLen int) ([][]int, error) {
	v, vs, err := m.vision(pixels, shape)
	if err != nil {
		return nil, err
	}
	B := shape[0]
	out := make([][]int, B)
	done := make([]bool, B)
	for i := range out {
		out[i] = []int{bos}
	}
	V := m.TextEmbed.Word.Shape[0]
	for t := 1; t < maxLen; t++ {
		mask := onesThen(0, make([][]int, B))
		for i := range mask {
			mask[i] = make([]int, t)
			for j := range mask[i] {
				mask[i][j] = 1
			}
		}
		_, _, logits, _ := m.itgForward(v, vs, out, mask, dec)
		for i := range out {
			row := logits[(i*t+t-1)*V : (i*t+t)*V]
			best := 0
			for c, x := range row {
				if x > row[best] {
					best = c
				}
			}
			if done[i] {
				best = 0
			}
			out[i] = append(out[i], best)
			done[i] = done[i] || best == sep
		}
	}
	return out, nil
}
