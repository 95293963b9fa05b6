//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"blip2/loadgen"
	"blip2/model/gpu"
	"blip2/model/stream"
	"blip2/model/weights"
)

func init() {
	register("probe", "bind a whole model and run one layer of each tower plus one decoding step (blip2.Model.Probe); -out writes the outputs, -want compares with another run's", runProbe)
}

func runProbe(args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", defaultModel, "model folder: streaming format or Hugging Face")
	device := fs.String("device", "gpu", "gpu (WebGPU: a GPU, or lavapipe) or cpu (the pure-Go reference)")
	out := fs.String("out", "", "write the outputs here (safetensors)")
	want := fs.String("want", "", "another run's outputs: fail unless every output agrees (cosine ≥ stream.ProbeCosine, the same next token)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	m, _, err := loadModel(*ckpt, b)
	if err != nil {
		return err
	}
	line := fmt.Sprintf("bound in %.1f s", time.Since(start).Seconds())
	if g, ok := b.(*gpu.Backend); ok {
		line += fmt.Sprintf(", %.1f MB of weights on the device", float64(g.ParamBytes())/1e6)
	}
	fmt.Println(line)
	start = time.Now()
	got, err := m.Probe(b)
	if err != nil {
		return err
	}
	fmt.Printf("probe (%s) in %.1f s; peak RSS %.2f GB\n", probeNames(got), time.Since(start).Seconds(), peakRSS()/1e9)
	if *out != "" {
		if err := weights.WriteFile(*out, got, map[string]string{"format": "pt", "blip2_probe": *ckpt}); err != nil {
			return err
		}
	}
	if *want == "" {
		return nil
	}
	f, err := weights.Open(*want)
	if err != nil {
		return err
	}
	defer f.Close()
	agree, err := stream.CompareProbe(got, f)
	if err != nil {
		return err
	}
	bad := 0
	for _, a := range agree {
		fmt.Println(" ", a)
		if !a.OK() {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("probe: %d of %d outputs disagree with %s", bad, len(agree), *want)
	}
	return nil
}

func probeNames(ts []weights.Tensor) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %v", t.Name, t.Shape)
	}
	return s
}

// peakRSS is this process's peak resident set in bytes (Linux's VmHWM;
// 0 where /proc has none).
func peakRSS() float64 {
	kib, _ := loadgen.StatusKiB(os.Getpid(), "VmHWM")
	return float64(kib) * 1024
}
