//go:build !(js && wasm)

package trainer

import (
	"context"
	"flag"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"blip2/model/gpu"
)

var update = flag.Bool("update", false, "rewrite the pinned losses of the tiny runs in testdata/train")

func losses(t *testing.T, out string) []float32 {
	t.Helper()
	recs, err := readLog(logFile(out))
	if err != nil {
		t.Fatal(err)
	}
	var l []float32
	for i, r := range recs {
		if r.Step != i+1 {
			t.Fatalf("%s: record %d is step %d", logFile(out), i, r.Step)
		}
		l = append(l, r.Losses["loss"])
	}
	return l
}

// TestStage1TinyRun trains 10 steps of a tiny model on the data sample
// and pins the losses; the run leaves its final model, curves, log and
// checkpoints, and the final model binds strictly.
func TestStage1TinyRun(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	out := filepath.Join(tmp, "run")
	sum, err := RunStage1(context.Background(), testDevice(t), out, tinyOptions(init), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	t.Logf("losses %v", got)
	pinLosses(t, filepath.Join("..", "..", "testdata", "train", "stage1_tiny_losses.json"), got)
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the run does not learn: %v", got)
	}
	for _, f := range []string{CurvesFile(out), filepath.Join(FinalModel(out), "model.safetensors"), filepath.Join(FinalModel(out), "vocab.txt"),
		filepath.Join(FinalModel(out), itgHeadFile), filepath.Join(ckptRoot(out), "step-000010", trainStateFile)} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	if f, err := os.Open(CurvesFile(out)); err == nil {
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 400 {
			t.Errorf("loss curves: %v, %v", err, img)
		}
	}
	if _, _, err := LoadModel(FinalModel(out), 1); err != nil {
		t.Errorf("the final model does not load: %v", err)
	}
}

// runner is a stage's entry point.
type runner func(context.Context, *gpu.Device, string, Options, bool, io.Writer) (*Summary, error)

// tinyStages are the stages with their tiny runs (TestKillResume,
// TestBadInput).
var tinyStages = map[string]struct {
	run  runner
	opts func(init string) Options
	data func(t *testing.T, dir string) string // the data beside init, when the sample will not do
}{
	"stage1":        {RunStage1, tinyOptions, nil},
	"stage0-vision": {RunStage0Vision, tinyStage0Options, nil},
	"stage0-lm":     {RunStage0LM, tinyLMOptions, lmData},
}

// TestKillResume kills each stage's run with SIGKILL in the middle,
// resumes it, and expects every loss of an uninterrupted run, bit for bit.
func TestKillResume(t *testing.T) {
	if dir := os.Getenv("BLIP2_TRAINER_CHILD"); dir != "" {
		afterStep = func(step int) {
			if step >= 4 {
				time.Sleep(400 * time.Millisecond) // leave the parent time to kill mid-run
			}
		}
		st := tinyStages[os.Getenv("BLIP2_TRAINER_STAGE")]
		_, err := st.run(context.Background(), testDevice(t), filepath.Join(dir, "run"), st.opts(filepath.Join(dir, "init")), false, nil)
		t.Fatalf("the child run finished (%v): it should have been killed", err)
	}
	for name, st := range tinyStages {
		t.Run(name, func(t *testing.T) { killResume(t, name, st.run, st.opts, st.data) })
	}
}

func killResume(t *testing.T, stage string, run runner, opts func(string) Options, data func(*testing.T, string) string) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	if data != nil {
		data(t, tmp)
	}
	d := testDevice(t)
	whole := filepath.Join(tmp, "whole")
	if _, err := run(context.Background(), d, whole, opts(init), false, nil); err != nil {
		t.Fatal(err)
	}
	want := losses(t, whole)

	out := filepath.Join(tmp, "run")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillResume$")
	cmd.Env = append(os.Environ(), "BLIP2_TRAINER_CHILD="+tmp, "BLIP2_TRAINER_STAGE="+stage)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		recs, _ := readLog(logFile(out))
		if len(recs) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child run did not reach step 5")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	latest, _ := os.ReadFile(latestFile(out))
	t.Logf("killed after step %d; latest checkpoint %s", len(losses(t, out)), strings.TrimSpace(string(latest)))
	if _, err := os.Stat(FinalModel(out)); err == nil {
		t.Fatal("the killed run had already finished")
	}
	if _, err := run(context.Background(), d, out, Options{}, true, nil); err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	if len(got) != len(want) {
		t.Fatalf("resumed run logged %d steps, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d: resumed loss %.9g, uninterrupted %.9g", i+1, got[i], want[i])
		}
	}
}
