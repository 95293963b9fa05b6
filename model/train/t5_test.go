package train

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"blip2/model/blip2"
	"blip2/model/weights"
)

const t5Set = "../../testdata/golden/blip2-tiny-a2"

// loadT5 is set a2 (Flan-style T5) for training, with its inputs: the
// pixels and, as a stage-2 batch, the LM prompt and captions made of the
// reference decoder inputs (each row's labels are its decoder ids shifted
// left, ending with eos).
func loadT5(t testing.TB) (*Model, *Batch, *weights.File, *weights.File) {
	t.Helper()
	bm, err := blip2.LoadDir(t5Set)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(bm, nil, 0.07)
	if err != nil {
		t.Fatal(err)
	}
	in, err := weights.Open(filepath.Join(t5Set, "inputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := weights.Open(filepath.Join(t5Set, "outputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); want.Close() })
	b := &Batch{}
	b.Pixels, err = in.ReadF32("pixel_values")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := in.Info("pixel_values")
	b.PixelShape = info.Shape
	b.LMIDs, b.LMMask = readInts(t, in, "input_ids"), readInts(t, in, "attention_mask")
	b.LMLabels = [][]int{{27, 52, 6, 1}, {40, 1, -100, -100}}
	return m, b, in, want
}

func readInts(t testing.TB, f *weights.File, name string) [][]int {
	t.Helper()
	v, err := f.ReadI64(name)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := f.Info(name)
	var out [][]int
	for r := 0; r < info.Shape[0]; r++ {
		row := make([]int, info.Shape[1])
		for c := range row {
			row[c] = int(v[r*info.Shape[1]+c])
		}
		out = append(out, row)
	}
	return out
}

// TestT5ForwardMatchesReference: the training forward through the frozen
// T5 reproduces Hugging Face's lm_logits of set a2 (encoder over the
// projected queries and the prompt, decoder over the reference decoder
// inputs and mask).
func TestT5ForwardMatchesReference(t *testing.T) {
	m, b, in, want := loadT5(t)
	v, vs, err := m.batchVision(b)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := m.imagePass(v, vs)
	B, Q, P, d := 2, m.Config.NumQueryTokens, len(b.LMIDs[0]), m.Config.T5.DModel
	prompt := linear(m.LangProj, z, B*Q)
	w, _ := flatIDs(b.LMIDs)
	tok := make([]float32, B*P*d)
	for i, id := range w {
		copy(tok[i*d:(i+1)*d], m.T5.Shared.Data[int(id)*d:(int(id)+1)*d])
	}
	x := concatRows(prompt, tok, B, Q, P, d)
	logits, _ := m.t5Forward(x, onesThen(Q, b.LMMask), readInts(t, in, "decoder_input_ids"), readInts(t, in, "decoder_attention_mask"))
	ref, err := want.ReadF32("lm_logits")
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range ref {
		worst = math.Max(worst, math.Abs(float64(logits[i]-ref[i])))
	}
	if worst > 1e-4 {
		t.Fatalf("lm_logits differ from the reference by up to %.2e", worst)
	}
}

func TestT5DecoderInputs(t *testing.T) {
	ids, mask, targets := T5DecoderInputs([][]int{{27, 52, 6, 1}, {40, 1, -100, -100}}, 0, 0)
	wantIDs, wantMask := [][]int{{0, 27, 52, 6}, {0, 40, 1, 0}}, [][]int{{1, 1, 1, 1}, {1, 1, 1, 0}}
	for r := range ids {
		for c := range ids[r] {
			if ids[r][c] != wantIDs[r][c] || mask[r][c] != wantMask[r][c] {
				t.Fatalf("decoder ids %v mask %v, want %v %v", ids, mask, wantIDs, wantMask)
			}
		}
	}
	if len(targets) != 8 || targets[5] != 1 || targets[6] != -100 {
		t.Fatalf("targets %v", targets)
	}
}

// TestStage2T5FiniteDifferences checks the stage-2 gradient through the
// frozen T5 (gated GELU, relative position bias, padded prompt, cross-
// attention) against central differences, two entries per trainable
// tensor, with set a2's untied head and with the head read as tied
// (rescaled by d_model^-0.5).
func TestStage2T5FiniteDifferences(t *testing.T) {
	for _, tied := range []bool{false, true} {
		m, b, _, _ := loadT5(t)
		m.Config.T5.TieWordEmbeddings = tied
		rng := rand.New(rand.NewPCG(7, 8))
		r, err := m.Stage2(b)
		if err != nil {
			t.Fatal(err)
		}
		if r.Loss <= 0 || math.IsNaN(float64(r.Loss)) {
			t.Fatalf("tied %v: loss %v", tied, r.Loss)
		}
		loss := func() float64 {
			r, err := m.Stage2(b)
			if err != nil {
				t.Fatal(err)
			}
			return float64(r.Loss)
		}
		checkFiniteDifferences(t, m.Stage2Params(), r.Grads, loss, rng)
	}
}
