//go:build !(js && wasm)

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"blip2/model/gpu"
	"blip2/model/trainer"
)

func init() {
	register("train", "train a stage on the dataset: train stage1 -init DIR -data DIR -out DIR", runTrain)
}

// runTrain is `train STAGE [flags]`. SIGINT or SIGTERM checkpoints and
// stops; `-resume OUT` continues a stopped or killed run exactly.
func runTrain(args []string) error {
	if len(args) == 0 || args[0] != "stage1" {
		return fmt.Errorf("usage: train stage1 -init DIR -data DIR -out DIR [flags] | train stage1 -resume DIR")
	}
	stage := args[0]
	def := trainer.Stage1Defaults()
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
	fs.Uint64Var(&o.Seed, "seed", def.Seed, "seed of the data order, captions, negatives and new weights")
	fs.IntVar(&o.SaveEvery, "save-every", def.SaveEvery, "checkpoint every this many steps")
	fs.Float64Var(&o.Canonical, "canonical", def.Canonical, "probability of the canonical caption over an alternate")
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
	sum, err := trainer.RunStage1(ctx, d, dir, o, *resume != "", os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d steps, loss %.4f → %.4f; model in %s, curves in %s\n", stage, sum.Steps, sum.FirstLoss, sum.LastLoss, sum.Model, trainer.CurvesFile(dir))
	return nil
}
