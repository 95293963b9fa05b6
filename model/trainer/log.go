package trainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"blip2/model/atomicfile"
)

// Record is one line of a run's log.jsonl: the step (1-based), every loss
// term by name, and the step's speed.
type Record struct {
	Step     int                `json:"step"`
	Losses   map[string]float32 `json:"losses"`
	LR       float64            `json:"lr"`
	GradNorm float32            `json:"grad_norm"`
	Temp     float32            `json:"temp,omitempty"`
	Samples  float64            `json:"samples_per_s"`
	Elapsed  float64            `json:"elapsed_s"`
}

// readLog reads the records of a log.jsonl (none when it does not exist).
func readLog(path string) ([]Record, error) {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Record
	lines := bytes.Split(raw, []byte("\n"))
	for n, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			// A line cut by a kill: everything before it stands.
			if n == len(lines)-1 {
				break
			}
			return nil, fmt.Errorf("%s:%d: %w", path, n+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// openLog opens log.jsonl for appending after keeping only the records up
// to step: a resumed run rewrites what came after its checkpoint.
func openLog(path string, step int) (*os.File, []Record, error) {
	recs, err := readLog(path)
	if err != nil {
		return nil, nil, err
	}
	var keep []Record
	var buf bytes.Buffer
	for _, r := range recs {
		if r.Step <= step {
			keep = append(keep, r)
			js, _ := json.Marshal(r)
			buf.Write(append(js, '\n'))
		}
	}
	if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	return f, keep, err
}

func appendLog(w io.Writer, r Record) error {
	js, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(js, '\n'))
	return err
}

// progressLine is the one-line summary printed at each step.
func progressLine(stage string, r Record, total int, secLeft float64) string {
	names := make([]string, 0, len(r.Losses))
	for n := range r.Losses {
		if n != "loss" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s step %d/%d  loss %.4f ", stage, r.Step, total, r.Losses["loss"])
	for _, n := range names {
		fmt.Fprintf(&b, " %s %.4f", n, r.Losses[n])
	}
	fmt.Fprintf(&b, "  lr %.2e  |g| %.3g  %.2f samples/s  ETA %s", r.LR, r.GradNorm, r.Samples, eta(secLeft))
	return b.String()
}
