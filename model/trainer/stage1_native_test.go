//go:build !(js && wasm)

package trainer

import (
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"blip2/model/gpu/gputest"
)

var update = flag.Bool("update", false, "rewrite testdata/train/stage1_tiny_losses.json")

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
	sum, err := RunStage1(context.Background(), gputest.Open(t), out, tinyOptions(init), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	t.Logf("losses %v", got)
	path := filepath.Join("..", "..", "testdata", "train", "stage1_tiny_losses.json")
	if *update {
		js, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d losses, want %d", len(got), len(want))
	}
	for i := range want {
		// The device step against a pinned run of itself: 1e-4 relative
		// leaves room for another driver's instruction selection only.
		if math.Abs(float64(got[i]-want[i])) > 1e-4*math.Abs(float64(want[i])) {
			t.Errorf("step %d: loss %.7g, want %.7g", i+1, got[i], want[i])
		}
	}
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

// TestStage1KillResume kills a run with SIGKILL in the middle, resumes it,
// and expects every loss of an uninterrupted run, bit for bit.
func TestStage1KillResume(t *testing.T) {
	if dir := os.Getenv("BLIP2_TRAINER_CHILD"); dir != "" {
		afterStep = func(step int) {
			if step >= 4 {
				time.Sleep(400 * time.Millisecond) // leave the parent time to kill mid-run
			}
		}
		_, err := RunStage1(context.Background(), gputest.Open(t), filepath.Join(dir, "run"), tinyOptions(filepath.Join(dir, "init")), false, nil)
		t.Fatalf("the child run finished (%v): it should have been killed", err)
	}
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	d := gputest.Open(t)
	whole := filepath.Join(tmp, "whole")
	if _, err := RunStage1(context.Background(), d, whole, tinyOptions(init), false, nil); err != nil {
		t.Fatal(err)
	}
	want := losses(t, whole)

	out := filepath.Join(tmp, "run")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStage1KillResume$")
	cmd.Env = append(os.Environ(), "BLIP2_TRAINER_CHILD="+tmp)
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
	if _, err := RunStage1(context.Background(), d, out, Options{}, true, nil); err != nil {
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
