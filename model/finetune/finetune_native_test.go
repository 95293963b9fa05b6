//go:build !(js && wasm)

package finetune

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/gpu"
	"blip2/model/gpu/gputest"
	"blip2/model/stream"
	"blip2/model/tokenizer"
	"blip2/model/weights"
)

const shipped = "../../web/models/default"

// session loads the shipped model resident on the test device, as the
// page's worker does, and the sample's first n pairs plus three bad ones.
func session(t *testing.T, n int, o Options) (*Tuner, *app.Captioner) {
	pairs := append(samplePairs(t, n),
		Pair{Name: "notes.txt", Image: []byte("not an image"), Caption: "a note"},
		Pair{Name: "blank.png", Image: samplePairs(t, 1)[0].Image, Caption: "  "},
		Pair{Name: "long.png", Image: samplePairs(t, 1)[0].Image, Caption: strings.Repeat("word ", 40)})
	return sessionPairs(t, pairs, o)
}

// sessionPairs is session on the pairs given.
func sessionPairs(t *testing.T, pairs []Pair, o Options) (*Tuner, *app.Captioner) {
	d := gputest.Open(t)
	be := gpu.NewBackend(d)
	t.Cleanup(be.ReleaseParams)
	s, err := stream.OpenDir(shipped)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	m, err := stream.LoadResident(s, be, blip2.ResidentVision)
	if err != nil {
		t.Fatal(err)
	}
	head, temp, fresh, err := Extras(m, s, 1)
	if err != nil || fresh {
		t.Fatalf("the shipped model's ITG head: fresh %v, %v", fresh, err)
	}
	qtok, err := tokenizer.LoadWordPiece(shipped)
	if err != nil {
		t.Fatal(err)
	}
	lmtok, err := tokenizer.LoadBPE(shipped, tokenizer.OPTOptions())
	if err != nil {
		t.Fatal(err)
	}
	tu, err := New(m, head, temp, be, qtok, lmtok, pairs, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tu.Close)
	return tu, &app.Captioner{Model: m, Backend: be, Tok: lmtok, Options: app.CaptionOptions()}
}

// samplePairs are the first n pairs of the committed dataset sample.
func samplePairs(t *testing.T, n int) []Pair {
	const dir = "../../testdata/data-sample"
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Pair
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(out) < n {
		var r struct{ File, Caption string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, r.File))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Pair{Name: filepath.Base(r.File), Image: data, Caption: r.Caption})
	}
	return out
}

// TestFineTuneLearnsAndExports: bad pairs are listed and skipped, a fifth
// is held out, the losses fall over a few steps on the same pairs, the
// model keeps its base weights until Apply, and an exported file laid
// over a fresh copy of the model gives the tuned captions exactly.
func TestFineTuneLearnsAndExports(t *testing.T) {
	tu, c := session(t, 12, Options{Steps: 8, Batch: 10, LR: 3e-4, Seed: 1})
	if len(tu.Skipped) != 3 {
		t.Fatalf("skipped %v, want the text file, the blank caption and the long one", tu.Skipped)
	}
	for _, s := range tu.Skipped {
		t.Logf("skipped %s: %s", s.Name, s.Reason)
	}
	if tr, held := tu.Counts(); tr != 10 || held != 2 {
		t.Fatalf("%d training and %d held-out pairs, want 10 and 2", tr, held)
	}
	before, err := tu.Evaluate(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var first, last Losses
	for i := 0; i < 8; i++ {
		l, err := tu.Step()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("step %d: itc %.4f itm %.4f itg %.4f lm %.4f (%.2f s)", l.Step, l.ITC, l.ITM, l.ITG, l.LM, l.Seconds)
		if i == 0 {
			first = l
		}
		last = l
	}
	if last.ITC+last.ITG >= first.ITC+first.ITG || last.LM >= first.LM {
		t.Errorf("losses did not fall: stage 1 %.4f → %.4f, stage 2 %.4f → %.4f", first.ITC+first.ITG, last.ITC+last.ITG, first.LM, last.LM)
	}
	if again, err := tu.Evaluate(c, nil); err != nil || !slices.Equal(again, before) {
		t.Errorf("before Apply the model changed: %v, want %v (%v)", again, before, err)
	}
	if err := tu.Apply(); err != nil {
		t.Fatal(err)
	}
	after, err := tu.Evaluate(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held out, before: %+v", before)
	t.Logf("held out, after:  %+v", after)
	var file bytes.Buffer
	if err := tu.Export(&file); err != nil {
		t.Fatal(err)
	}
	tu.Reset()
	if again, err := tu.Evaluate(c, nil); err != nil || !slices.Equal(again, before) {
		t.Errorf("Reset did not give the base model back: %v, want %v (%v)", again, before, err)
	}
	f, err := weights.NewFile(bytes.NewReader(file.Bytes()), int64(file.Len()))
	if err != nil {
		t.Fatal(err)
	}
	changed, err := Load(c.Model, nil, nil, f)
	if err != nil {
		t.Fatal(err)
	}
	c.Backend.(*gpu.Backend).Forget(changed...)
	if got, err := tu.Evaluate(c, nil); err != nil || !slices.Equal(got, after) {
		t.Errorf("the exported weights give %v, the tuned model %v (%v)", got, after, err)
	}
}

// TestLoadRefusesOtherModels: a file of another configuration, or with a
// tensor the model does not have, changes nothing.
func TestLoadRefusesOtherModels(t *testing.T) {
	m, err := blip2.LoadDir("../../testdata/golden/blip2-tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	p := &weights.Param{Name: "query_tokens", Shape: m.QueryTokens.Shape, Data: make([]float32, len(m.QueryTokens.Data))}
	write := func(meta map[string]string, ps ...*weights.Param) *weights.File {
		var ts []weights.Tensor
		for _, p := range ps {
			ts = append(ts, weights.Tensor{Name: p.Name, DType: weights.F32, Shape: p.Shape, Data: p.Data})
		}
		var buf bytes.Buffer
		if err := weights.Write(&buf, ts, meta); err != nil {
			t.Fatal(err)
		}
		f, err := weights.NewFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	good := map[string]string{MetaKind: "1", MetaConfig: ConfigHash(m.Config)}
	stray := &weights.Param{Name: "qformer.no_such.weight", Shape: []int{1}, Data: []float32{1}}
	orig := append([]float32(nil), m.QueryTokens.Data...)
	for _, c := range []struct {
		name string
		f    *weights.File
		want string
	}{
		{"no metadata", write(map[string]string{"format": "pt"}, p), "not a fine-tuned weights file"},
		{"other model", write(map[string]string{MetaKind: "1", MetaConfig: "abc"}, p), "another configuration"},
		{"stray tensor", write(good, p, stray), "not a tensor of this model"},
	} {
		_, err := Load(m, nil, nil, c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if !slices.Equal(m.QueryTokens.Data, orig) {
			t.Fatalf("%s: the model changed", c.name)
		}
	}
}
