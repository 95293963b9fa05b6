package train

import (
	"fmt"
	"path/filepath"
	"sort"

	"blip2/model/blip2"
	"blip2/model/weights"
)

// LoadReference binds a checkpoint folder (config.json + weights) and a
// training reference folder (itg_head.safetensors, train_inputs.safetensors)
// and returns the model and the batch its README defines.
func LoadReference(checkpoint, trainDir string) (*Model, *Batch, error) {
	bm, err := blip2.LoadDir(checkpoint)
	if err != nil {
		return nil, nil, err
	}
	hf, err := weights.Open(filepath.Join(trainDir, "itg_head.safetensors"))
	if err != nil {
		return nil, nil, err
	}
	defer hf.Close()
	in, err := weights.Open(filepath.Join(trainDir, "train_inputs.safetensors"))
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	return ReferenceModel(bm, hf, in)
}

// ReferenceModel is LoadReference on a bound model and the reference's
// ITG head and inputs, however they were read (a browser fetches them).
func ReferenceModel(bm *blip2.Model, itgHead, inputs *weights.File) (*Model, *Batch, error) {
	head, err := LoadITGHead(bm, itgHead)
	if err != nil {
		return nil, nil, err
	}
	temp, err := inputs.ReadF32("temp")
	if err != nil {
		return nil, nil, err
	}
	m, err := New(bm, head, temp[0])
	if err != nil {
		return nil, nil, err
	}
	b, err := readBatch(inputs)
	return m, b, err
}

func readBatch(f *weights.File) (*Batch, error) {
	b := &Batch{}
	px, err := f.ReadF32("pixel_values")
	if err != nil {
		return nil, err
	}
	info, _ := f.Info("pixel_values")
	b.Pixels, b.PixelShape = px, info.Shape
	mats := []struct {
		name string
		dst  *[][]int
	}{
		{"qformer_input_ids", &b.IDs}, {"qformer_attention_mask", &b.Mask},
		{"lm_input_ids", &b.LMIDs}, {"lm_attention_mask", &b.LMMask}, {"lm_labels", &b.LMLabels},
	}
	for _, x := range mats {
		v, err := f.ReadI64(x.name)
		if err != nil {
			return nil, err
		}
		info, _ := f.Info(x.name)
		if len(info.Shape) != 2 {
			return nil, fmt.Errorf("%s: shape %v, want 2 dimensions", x.name, info.Shape)
		}
		for r := 0; r < info.Shape[0]; r++ {
			row := make([]int, info.Shape[1])
			for c := range row {
				row[c] = int(v[r*info.Shape[1]+c])
			}
			*x.dst = append(*x.dst, row)
		}
	}
	vecs := []struct {
		name string
		dst  *[]int
	}{{"itm_neg_image_for_text", &b.NegImage}, {"itm_neg_text_for_image", &b.NegText}}
	for _, x := range vecs {
		v, err := f.ReadI64(x.name)
		if err != nil {
			return nil, err
		}
		for _, i := range v {
			*x.dst = append(*x.dst, int(i))
		}
	}
	dec, err := f.ReadI64("dec_token_id")
	if err != nil {
		return nil, err
	}
	b.DecID = int(dec[0])
	return b, nil
}

// ReferenceTensors runs both stages on a reference batch and returns what a
// train_outputs.safetensors holds, by the same names, shapes and dtypes:
// int64 tensors first, then float32, each group sorted by name. Stage 2 is
// included when the model has an OPT language model and the batch LM text.
func (m *Model) ReferenceTensors(b *Batch) ([]weights.Tensor, error) {
	return m.referenceTensors(b, m.Stage1, m.Stage2)
}

// referenceTensors assembles the reference outputs from a stage-1 and a
// stage-2 implementation (the host's, or the device's).
func (m *Model) referenceTensors(b *Batch, stage1 func(*Batch, bool) (*Stage1Result, error), stage2 func(*Batch) (*Stage2Result, error)) ([]weights.Tensor, error) {
	r, err := stage1(b, true)
	if err != nil {
		return nil, err
	}
	B, T := len(b.IDs), len(b.IDs[0])
	Q, H, V := m.Config.NumQueryTokens, m.Config.QFormer.HiddenSize, m.TextEmbed.Word.Shape[0]
	var ints, floats []weights.Tensor
	f := func(name string, data []float32, shape ...int) {
		floats = append(floats, weights.Tensor{Name: name, DType: weights.F32, Shape: shape, Data: data})
	}
	i64 := func(name string, rows [][]int) {
		var d []int64
		for _, row := range rows {
			for _, v := range row {
				d = append(d, int64(v))
			}
		}
		ints = append(ints, weights.Tensor{Name: name, DType: weights.I64, Shape: []int{len(rows), len(rows[0])}, Data: d})
	}
	itgIn, itgLab := ITGInputs(b.IDs, b.Mask, b.DecID)
	i64("itg_input_ids", itgIn)
	i64("itg_labels", itgLab)
	labels := make([]int64, 3*B)
	for i := 0; i < B; i++ {
		labels[i] = 1
	}
	ints = append(ints, weights.Tensor{Name: "itm_labels", DType: weights.I64, Shape: []int{3 * B}, Data: labels})
	for _, l := range []struct {
		name string
		v    float32
	}{{"loss_itc", r.LossITC}, {"loss_itc_i2t", r.LossI2T}, {"loss_itc_t2i", r.LossT2I}, {"loss_itm", r.LossITM}, {"loss_itg", r.LossITG}, {"loss_stage1", r.Loss}} {
		f(l.name, []float32{l.v}, 1)
	}
	f("itc_sim_i2t", r.SimI2T, B, B)
	f("itc_sim_t2i", r.SimT2I, B, B)
	f("itm_logits", r.ITMLogits, 3*B, 2)
	f("itg_logits", r.ITGLogits, B, T, V)
	f("itg_qformer_last_hidden_state", r.ITGHidden, B, Q+T, H)
	for _, p := range m.Stage1Params() {
		for _, g := range []struct {
			prefix string
			g      Grads
		}{{"grad.", r.Grads}, {"grad_itc.", r.ITC}, {"grad_itm.", r.ITM}, {"grad_itg.", r.ITG}} {
			d, ok := g.g[p.Name]
			if !ok {
				d = make([]float32, len(p.Data))
			}
			f(g.prefix+p.Name, d, paramShape(p)...)
		}
	}
	if m.OPT != nil && b.LMIDs != nil {
		r2, err := stage2(b)
		if err != nil {
			return nil, err
		}
		g := r2.Grads
		f("loss_stage2", []float32{r2.Loss}, 1)
		f("loss_stage2_with_bos_target", []float32{r2.LossWithBOS}, 1)
		for _, p := range m.Stage2Params() {
			d, ok := g[p.Name]
			if !ok {
				d = make([]float32, len(p.Data))
			}
			f("grad2."+p.Name, d, paramShape(p)...)
		}
	}
	for _, g := range [][]weights.Tensor{ints, floats} {
		sort.Slice(g, func(i, j int) bool { return g[i].Name < g[j].Name })
	}
	return append(ints, floats...), nil
}

func paramShape(p *weights.Param) []int {
	if p.Shape == nil {
		return []int{len(p.Data)}
	}
	return p.Shape
}
