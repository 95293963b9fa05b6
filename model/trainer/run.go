package trainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"blip2/model/atomicfile"
	"blip2/model/config"
)

// Options of a run. They are saved as run.json in the run folder, and
// `-resume` continues with exactly these.
type Options struct {
	Stage       string  `json:"stage"`
	Init        string  `json:"init"` // the checkpoint folder the run starts from
	Data        string  `json:"data"` // a dataset built by `server data`
	Steps       int     `json:"steps"`
	Batch       int     `json:"batch"`
	TextLen     int     `json:"text_len"`
	LR          float64 `json:"lr"`
	MinLR       float64 `json:"min_lr"`
	WarmupLR    float64 `json:"warmup_lr"`
	Warmup      int     `json:"warmup"`
	WeightDecay float64 `json:"weight_decay"`
	MaxNorm     float64 `json:"max_norm"`
	Seed        uint64  `json:"seed"`
	SaveEvery   int     `json:"save_every"`
	// Canonical is the probability of training on the canonical caption
	// rather than one of the alternates.
	Canonical float64 `json:"canonical"`
	// Features is a frozen-feature cache to share between runs (stage 1
	// and stage 2 over one encoder); empty: the run's own features/.
	Features string `json:"features,omitempty"`
	// Prompt is stage 2's text before each caption (no loss on it).
	Prompt string `json:"prompt,omitempty"`
	// CrossInit, if positive, is the std stage 1 draws the Q-Former's
	// cross-attention with before its first step (train.ReinitCrossAttention).
	CrossInit float64 `json:"cross_init,omitempty"`
	// FreezeQFormer makes stage 2 train language_projection alone
	// (train.Model.FreezeQFormer): one model then serves retrieval with
	// stage 1's query path and captioning through the projection.
	FreezeQFormer bool `json:"freeze_qformer,omitempty"`
	// KeepStage1 makes every stage-2 update also descend stage 1's loss
	// (ITC + ITM + ITG) on the same images (train.GPUStepper.StepJoint), so
	// that the query path learns to prompt the language model without
	// leaving the text side ITC compares it with.
	KeepStage1 bool `json:"keep_stage1,omitempty"`
	// KeywordLines is the share of stage0-lm's sequences that are keyword
	// lines (keywordprefix.go).
	KeywordLines float64 `json:"keyword_lines,omitempty"`
	// Pack lays stage0-lm's corpus lines end to end in each sequence
	// (PackLines) instead of one line a sequence.
	Pack bool `json:"pack,omitempty"`
	// Augment is stage0-vision's augmentation strength (augment.go);
	// empty is the standard one.
	Augment string `json:"augment,omitempty"`
}

// featurePath is where the run's frozen features are cached.
func (o *Options) featurePath(out string) string {
	if o.Features != "" {
		return o.Features
	}
	return featureFile(out)
}

// Stage1Defaults are the paper's stage-1 hyper-parameters (blip2-spec
// §10.1: AdamW β (0.9, 0.98), weight decay 0.05, cosine from 1e-4 to 1e-5,
// warmup from 1e-6) at a step count a 2-core machine gets through.
func Stage1Defaults() Options {
	return Options{Stage: "stage1", Steps: 1000, Batch: 32, TextLen: 32, LR: 1e-4, MinLR: 1e-5, WarmupLR: 1e-6,
		Warmup: 100, WeightDecay: 0.05, MaxNorm: 0, Seed: 1, SaveEvery: 50, Canonical: 0.5}
}

func (o *Options) check() error {
	var bad []string
	if o.Init == "" {
		bad = append(bad, "no -init checkpoint folder")
	}
	if o.Steps < 1 {
		bad = append(bad, fmt.Sprintf("-steps %d", o.Steps))
	}
	if o.Batch < 2 {
		bad = append(bad, fmt.Sprintf("-batch %d (ITC and ITM need at least 2 pairs)", o.Batch))
	}
	if o.TextLen < 3 {
		bad = append(bad, fmt.Sprintf("-text-len %d (room for [CLS], a token and [SEP] is 3)", o.TextLen))
	}
	if !(o.LR > 0) || o.MinLR < 0 || o.WarmupLR < 0 || o.Warmup < 0 {
		bad = append(bad, fmt.Sprintf("learning rates %g/%g/%g, warmup %d", o.LR, o.MinLR, o.WarmupLR, o.Warmup))
	}
	if o.SaveEvery < 1 {
		bad = append(bad, fmt.Sprintf("-save-every %d", o.SaveEvery))
	}
	if o.FreezeQFormer && o.Stage != "stage2" {
		bad = append(bad, "-freeze-qformer is for stage2 only")
	}
	if o.KeepStage1 && (o.Stage != "stage2" || o.FreezeQFormer) {
		bad = append(bad, "-keep-stage1 is for stage2 with the Q-Former trained (not with -freeze-qformer)")
	}
	if o.KeywordLines < 0 || o.KeywordLines >= 1 || (o.KeywordLines > 0 && o.Stage != "stage0-lm") {
		bad = append(bad, fmt.Sprintf("-keyword-lines %g (a share below 1, for stage0-lm only)", o.KeywordLines))
	}
	if o.CrossInit < 0 || (o.CrossInit > 0 && o.Stage != "stage1") {
		bad = append(bad, fmt.Sprintf("-cross-init %g (a std, for stage1 only)", o.CrossInit))
	}
	if o.Pack && o.Stage != "stage0-lm" {
		bad = append(bad, "-pack (for stage0-lm only)")
	}
	if !knownAugment(o.Augment) || (o.Augment != "" && o.Stage != "stage0-vision") {
		bad = append(bad, fmt.Sprintf("-augment %q (%s, for stage0-vision only)", o.Augment, augmentNames))
	}
	if o.Canonical < 0 || o.Canonical > 1 {
		bad = append(bad, fmt.Sprintf("-canonical %g (a probability)", o.Canonical))
	}
	if bad != nil {
		return fmt.Errorf("trainer: %s", strings.Join(bad, "; "))
	}
	return nil
}

// fits checks the options against a config, its tokenizer's vocabulary
// and the number of training pairs.
func (o *Options) fits(c *config.Blip2Config, tokVocab, pairs int) error {
	q := c.QFormer
	if o.Stage == "stage2" && c.T5 != nil {
		if o.Batch > pairs {
			return fmt.Errorf("trainer: -batch %d is more than the %d training pairs", o.Batch, pairs)
		}
		return nil
	}
	if o.Stage == "stage0-lm" || o.Stage == "stage2" {
		if c.OPT == nil {
			return fmt.Errorf("trainer: %s needs an OPT-layout language model (stage2: or T5); the config has none", o.Stage)
		}
		n := o.TextLen
		if o.Stage == "stage2" {
			n += c.NumQueryTokens // the soft visual prompt comes first
		}
		if n > c.OPT.MaxPositionEmbeddings {
			return fmt.Errorf("trainer: -text-len %d is past the language model's %d positions", o.TextLen, c.OPT.MaxPositionEmbeddings)
		}
		if o.Stage == "stage2" && o.Batch > pairs {
			return fmt.Errorf("trainer: -batch %d is more than the %d training pairs", o.Batch, pairs)
		}
		return nil
	}
	switch {
	case q.VocabSize != tokVocab:
		return fmt.Errorf("trainer: the Q-Former vocabulary has %d tokens, its tokenizer %d", q.VocabSize, tokVocab)
	case o.TextLen > q.MaxPositionEmbeddings:
		return fmt.Errorf("trainer: -text-len %d is past the Q-Former's %d positions", o.TextLen, q.MaxPositionEmbeddings)
	case o.Batch > pairs:
		return fmt.Errorf("trainer: -batch %d is more than the %d training pairs", o.Batch, pairs)
	}
	return nil
}

// The run folder.
func runFile(out string) string     { return filepath.Join(out, "run.json") }
func logFile(out string) string     { return filepath.Join(out, "log.jsonl") }
func ckptRoot(out string) string    { return filepath.Join(out, "checkpoints") }
func latestFile(out string) string  { return filepath.Join(ckptRoot(out), "latest") }
func FinalModel(out string) string  { return filepath.Join(out, "model") }
func CurvesFile(out string) string  { return filepath.Join(out, "loss.png") }
func HeldOutFile(out string) string { return filepath.Join(out, "heldout.json") }
func featureFile(out string) string { return filepath.Join(out, "features", "train.f32") }

// refuseRun refuses a folder that already holds a run rather than
// overwriting it.
func refuseRun(out string) error {
	if _, err := os.Stat(runFile(out)); err == nil {
		return fmt.Errorf("trainer: %s already holds a run: continue it with -resume %s, or choose another -out", out, out)
	}
	return nil
}

// startRun writes run.json into a new run folder (refuseRun said it is
// new).
func startRun(out string, o Options) error {
	js, _ := json.MarshalIndent(o, "", "  ")
	return atomicfile.WriteFile(runFile(out), append(js, '\n'))
}

// resumeRun reads a run folder's options and its latest checkpoint.
func resumeRun(out string) (Options, string, error) {
	var o Options
	raw, err := os.ReadFile(runFile(out))
	if err != nil {
		return o, "", fmt.Errorf("trainer: -resume %s: no run there (%w)", out, err)
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, "", fmt.Errorf("trainer: %s: %w", runFile(out), err)
	}
	name, err := os.ReadFile(latestFile(out))
	if errors.Is(err, os.ErrNotExist) {
		return o, "", nil // killed before its first checkpoint: start over
	}
	if err != nil {
		return o, "", err
	}
	dir := filepath.Join(ckptRoot(out), strings.TrimSpace(string(name)))
	if _, err := os.Stat(dir); err != nil {
		return o, "", fmt.Errorf("trainer: %s names %s, which is missing", latestFile(out), dir)
	}
	return o, dir, nil
}

// markLatest points latest at a checkpoint and removes all but the newest
// keep checkpoints.
func markLatest(out, name string, keep int) error {
	if err := atomicfile.WriteFile(latestFile(out), []byte(name+"\n")); err != nil {
		return err
	}
	entries, err := os.ReadDir(ckptRoot(out))
	if err != nil {
		return err
	}
	var steps []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "step-") {
			steps = append(steps, e.Name())
		}
	}
	sort.Strings(steps)
	for len(steps) > keep {
		if steps[0] != name {
			os.RemoveAll(filepath.Join(ckptRoot(out), steps[0]))
		}
		steps = steps[1:]
	}
	return nil
}
