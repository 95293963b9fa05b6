package blip2

import (
	"fmt"

	"blip2/model/weights"
)

// Inputs are the model inputs of a reference set, by the tensor names its
// README defines. Token matrices are (B, T); absent ones are nil.
type Inputs struct {
	Pixels     []float32
	PixelShape []int // (B, 3, S, S)

	InputIDs, AttentionMask       [][]int // LM prompt
	ImageTokenIDs, ImageTokenMask [][]int // the same, processor-expanded with image tokens
	QFormerIDs, QFormerMask       [][]int // Q-Former text for ITC/ITM
	GenIDs, GenMask               [][]int // generation prompt
	DecoderIDs, DecoderMask       [][]int // T5 decoder inputs
}

// ReadInputs reads an inputs.safetensors.
func ReadInputs(f *weights.File) (*Inputs, error) {
	in := &Inputs{}
	info, ok := f.Info("pixel_values")
	if !ok {
		return nil, fmt.Errorf("inputs: no pixel_values")
	}
	if len(info.Shape) != 4 || info.Shape[1] != 3 {
		return nil, fmt.Errorf("inputs: pixel_values has shape %v, want (B, 3, S, S)", info.Shape)
	}
	px, err := f.ReadF32("pixel_values")
	if err != nil {
		return nil, err
	}
	in.Pixels, in.PixelShape = px, info.Shape
	for _, x := range []struct {
		name     string
		dst      *[][]int
		required bool
	}{
		{"input_ids", &in.InputIDs, false}, {"attention_mask", &in.AttentionMask, false},
		{"input_ids_image_token_path", &in.ImageTokenIDs, false}, {"attention_mask_image_token_path", &in.ImageTokenMask, false},
		{"qformer_input_ids", &in.QFormerIDs, false}, {"qformer_attention_mask", &in.QFormerMask, false},
		{"gen_input_ids", &in.GenIDs, false}, {"gen_attention_mask", &in.GenMask, false},
		{"decoder_input_ids", &in.DecoderIDs, false}, {"decoder_attention_mask", &in.DecoderMask, false},
	} {
		m, err := readMatrix(f, x.name)
		if err != nil {
			return nil, err
		}
		if m != nil && len(m) != in.PixelShape[0] {
			return nil, fmt.Errorf("inputs: %s has %d rows for %d images", x.name, len(m), in.PixelShape[0])
		}
		*x.dst = m
	}
	return in, nil
}

// readMatrix reads an integer (B, T) tensor, or nil if absent.
func readMatrix(f *weights.File, name string) ([][]int, error) {
	info, ok := f.Info(name)
	if !ok {
		return nil, nil
	}
	if len(info.Shape) != 2 {
		return nil, fmt.Errorf("inputs: %s has shape %v, want (B, T)", name, info.Shape)
	}
	v, err := f.ReadI64(name)
	if err != nil {
		return nil, err
	}
	rows, cols := info.Shape[0], info.Shape[1]
	out := make([][]int, rows)
	for i := range out {
		out[i] = make([]int, cols)
		for j := range out[i] {
			out[i][j] = int(v[i*cols+j])
		}
	}
	return out, nil
}

// stripImageTokens undoes the processor-expanded layout: the projection
// fills the image-token slots (masked_scatter), which is the legacy
// concatenation when those slots lead every row, as processors put them.
func stripImageTokens(ids, mask [][]int, token, nq int) ([][]int, [][]int, error) {
	outIDs, outMask := make([][]int, len(ids)), make([][]int, len(ids))
	for i, row := range ids {
		n := 0
		for _, id := range row {
			if id == token {
				n++
			}
		}
		if n != nq || len(row) < nq {
			return nil, nil, fmt.Errorf("row %d has %d image tokens (id %d); want %d", i, n, token, nq)
		}
		for j := 0; j < nq; j++ {
			if row[j] != token {
				return nil, nil, fmt.Errorf("row %d: image tokens must lead the prompt", i)
			}
		}
		outIDs[i], outMask[i] = row[nq:], mask[i][nq:]
	}
	return outIDs, outMask, nil
}
