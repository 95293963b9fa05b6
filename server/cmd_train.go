//go:build !(js && wasm)

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"blip2/model/gpu"
	"blip2/model/trainer"
)

func init() {
	register("train", "make a new model or train a stage on the dataset: train init|stage0-vision|stage0-lm|stage1|stage2 … (docs/training.md)", runTrain)
}

const trainUsage = `usage:
  train init -data DIR -out DIR [size flags]
  train stage0-vision -init DIR -data DIR -out DIR [flags] | -resume DIR
  train stage0-lm -init DIR -data DIR -out DIR [flags] | -resume DIR
  train stage1 -init DIR -data DIR -out DIR [flags] | -resume DIR
  train stage2 -init DIR -data DIR -out DIR [flags] | -resume DIR`

// stages are the training stages by subcommand: their defaults and runner.
var stages = map[string]struct {
	defaults func() trainer.Options
	run      func(context.Context, *gpu.Device, string, trainer.Options, bool, io.Writer) (*trainer.Summary, error)
}{
	"stage0-vision": {trainer.Stage0VisionDefaults, trainer.RunStage0Vision},
	"stage0-lm":     {trainer.Stage0LMDefaults, trainer.RunStage0LM},
	"stage1":        {trainer.Stage1Defaults, trainer.RunStage1},
	"stage2":        {trainer.Stage2Defaults, trainer.RunStage2},
}

// runTrain is `train STAGE [flags]`. SIGINT or SIGTERM checkpoints and
// stops; `-resume OUT` continues a stopped or killed run exactly.
func runTrain(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", trainUsage)
	}
	if args[0] == "init" {
		return runTrainInit(args[1:])
	}
	st, ok := stages[args[0]]
	if !ok {
		return fmt.Errorf("unknown stage %q\n%s", args[0], trainUsage)
	}
	stage, def := args[0], st.defaults()
	fs := flag.NewFlagSet("train "+stage, flag.ContinueOnError)
	o := def
	fs.StringVar(&o.Init, "init", "", "checkpoint folder to start from (Hugging Face layout, with vocab.txt)")
	fs.StringVar(&o.Data, "data", "", "dataset folder built by `server data`")
	out := fs.String("out", "", "run folder: run.json, log.jsonl, checkpoints/, model/, loss.png")
	resume := fs.String("resume", "", "continue the run in this folder with its saved options")
	fs.IntVar(&o.Steps, "steps", def.Steps, "optimizer steps")
	fs.IntVar(&o.Batch, "batch", def.Batch, "pairs per step")
	fs.IntVar(&o.TextLen, "text-len", def.TextLen, "Q-Former text tokens, [CLS] and [SEP] included")
	fs.Float64Var(&o.LR, "lr", def.LR, "peak learning rate")
	fs.Float64Var(&o.MinLR, "min-lr", def.MinLR, "learning rate at the end of the cosine")
	fs.Float64Var(&o.WarmupLR, "warmup-lr", def.WarmupLR, "learning rate at step 0")
	fs.IntVar(&o.Warmup, "warmup", def.Warmup, "linear warmup steps")
	fs.Float64Var(&o.WeightDecay, "weight-decay", def.WeightDecay, "AdamW weight decay")
	fs.Float64Var(&o.MaxNorm, "max-norm", def.MaxNorm, "global gradient-norm clip (0: none)")
	fs.Uint64Var(&o.Seed, "seed", def.Seed, "seed of the data order, captions, negatives, augmentation and new weights")
	fs.IntVar(&o.SaveEvery, "save-every", def.SaveEvery, "checkpoint every this many steps")
	fs.Float64Var(&o.Canonical, "canonical", def.Canonical, "probability of the canonical caption over an alternate")
	fs.StringVar(&o.Features, "features", "", "frozen-feature cache file to share between runs of one encoder (stage1, stage2; default: the run's own)")
	fs.BoolVar(&o.FreezeQFormer, "freeze-qformer", false, "stage2: train language_projection only, keeping stage 1's Q-Former (and its retrieval) as it is")
	fs.BoolVar(&o.KeepStage1, "keep-stage1", false, "stage2: every update also descends stage 1's loss (ITC + ITM + ITG) on the same images, so that the query path learns captioning and keeps retrieval")
	fs.Float64Var(&o.KeywordLines, "keyword-lines", 0, "stage0-lm: the share of sequences that are a train pair's sentence after its label and tags in the visual prompt's places, so that the language model learns to read what stands before its BOS")
	fs.BoolVar(&o.Pack, "pack", false, "stage0-lm: lay the corpus lines end to end in each sequence (</s> a </s> b </s> …) instead of one line a sequence, so that a step trains on tokens rather than padding")
	fs.Float64Var(&o.CrossInit, "cross-init", def.CrossInit, "stage1: draw the Q-Former's cross-attention anew with this std before the first step (0: keep the init's)")
	fs.StringVar(&o.Augment, "augment", "", "stage0-vision: augmentation strength, standard (the default: crops of 55–100 % of the area, jitter, background tints), mild (crops of 80–100 %, jitter) or none (the inference view)")
	fs.StringVar(&o.Prompt, "prompt", "", "stage2: text before each caption, e.g. \"a picture of\" (no loss on it)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dir := *out
	if *resume != "" {
		dir = *resume
	}
	if dir == "" {
		return fmt.Errorf("-out DIR (a new run) or -resume DIR (a stopped one) is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := gpu.Open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(os.Stderr, "adapter: %s\n", d.Info)
	sum, err := st.run(ctx, d, dir, o, *resume != "", os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d steps, loss %.4f → %.4f; model in %s, curves in %s\n", stage, sum.Steps, sum.FirstLoss, sum.LastLoss, sum.Model, trainer.CurvesFile(dir))
	return nil
}

// runTrainInit is `train init`: a new random model of the given sizes with
// a vocabulary built from the dataset's train captions.
func runTrainInit(args []string) error {
	z := trainer.DefaultSizes()
	fs := flag.NewFlagSet("train init", flag.ContinueOnError)
	data := fs.String("data", "", "dataset folder built by `server data` (its train captions make the vocabulary)")
	out := fs.String("out", "", "the new model folder")
	seed := fs.Uint64("seed", 1, "seed of the random weights")
	for _, f := range []struct {
		v    *int
		name string
		help string
	}{
		{&z.VisionWidth, "vision-width", "ViT width"}, {&z.VisionLayers, "vision-layers", "ViT layers"},
		{&z.ImageSize, "image-size", "input image size in pixels"}, {&z.Patch, "patch", "ViT patch size"},
		{&z.QFormerWidth, "qformer-width", "Q-Former width"}, {&z.QFormerLayers, "qformer-layers", "Q-Former layers"},
		{&z.Queries, "queries", "learned query tokens"}, {&z.Embed, "embed", "ITC embedding width"},
		{&z.TextPositions, "text-positions", "Q-Former text positions"}, {&z.Vocab, "vocab", "Q-Former WordPiece vocabulary size"},
		{&z.LMWidth, "lm-width", "language-model width"}, {&z.LMLayers, "lm-layers", "language-model layers"},
		{&z.LMVocab, "lm-vocab", "language-model vocabulary size"}, {&z.LMPositions, "lm-positions", "language-model positions"},
	} {
		fs.IntVar(f.v, f.name, *f.v, f.help)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		return fmt.Errorf("train init needs -data DIR and -out DIR")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s already exists; choose another -out", *out)
	}
	if err := trainer.InitModel(*out, *data, z, *seed); err != nil {
		return err
	}
	fmt.Printf("new model in %s\n", *out)
	return nil
}
