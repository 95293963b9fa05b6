package trainer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"blip2/model/atomicfile"
	"blip2/model/gpu"
	"blip2/model/tokenizer"
	"blip2/model/train"
)

// Stage0LMDefaults train the OPT-layout language model: AdamW with GPT's
// recipe (β (0.9, 0.98), weight decay 0.1, clipping at 1) on sequences of
// up to 32 tokens.
func Stage0LMDefaults() Options {
	return Options{Stage: "stage0-lm", Steps: 600, Batch: 64, TextLen: 32, LR: 1e-3, MinLR: 3e-5, WarmupLR: 1e-6,
		Warmup: 50, WeightDecay: 0.1, MaxNorm: 1, Seed: 1, SaveEvery: 25}
}

// Corpus is the language model's text: corpus.txt of a dataset without
// the val and test captions (the captioning evaluation scores against
// them), cut into training lines and a held-out 2 % chosen by hash.
type Corpus struct {
	Train, HeldOut []string
	Dropped        int // lines that were val or test captions
}

// LoadCorpus reads dataDir's corpus.txt and splits it.
func LoadCorpus(dataDir string) (*Corpus, error) {
	raw, err := os.ReadFile(filepath.Join(dataDir, "corpus.txt"))
	if err != nil {
		return nil, fmt.Errorf("trainer: %s has no corpus.txt (build the dataset with its corpus: `server data`): %w", dataDir, err)
	}
	evalText, err := evalCaptions(dataDir)
	if err != nil {
		return nil, err
	}
	c := &Corpus{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case evalText[line]:
			c.Dropped++
		case sha256.Sum256([]byte(line))[0] < 5: // 5/256 ≈ 2 %
			c.HeldOut = append(c.HeldOut, line)
		default:
			c.Train = append(c.Train, line)
		}
	}
	if len(c.Train) == 0 || len(c.HeldOut) == 0 {
		return nil, fmt.Errorf("trainer: %s/corpus.txt has %d training and %d held-out lines: too little text", dataDir, len(c.Train), len(c.HeldOut))
	}
	return c, nil
}

// evalCaptions is every caption of the val and test splits, spaces
// normalised: text the language model must not train on, because the
// captioning evaluation scores against it.
func evalCaptions(dataDir string) (map[string]bool, error) {
	evalText := map[string]bool{}
	for _, split := range []string{"val", "test"} {
		pairs, err := LoadPairs(dataDir, split)
		if err != nil && !strings.Contains(err.Error(), "has no pairs") {
			return nil, err
		}
		for _, p := range pairs {
			for _, c := range p.Captions {
				evalText[strings.Join(strings.Fields(c), " ")] = true
			}
		}
	}
	return evalText, nil
}

// RunStage0LM trains the OPT-layout language model of o.Init on the
// corpus, with a byte-level BPE tokenizer trained first, in Go, on the
// training lines (tokenizer.json, OPT's specials at ids 0–3). Every
// sequence is </s> text </s>: OPT's BOS and the end-of-sequence token the
// captioner stops on. An init whose language model is trained already
// (it holds tokenizer.json) is continued with its own tokenizer; with
// -keyword-lines, keyword lines (keywordprefix.go) are mixed in. At the
// end, the held-out perplexity (and the keyword probe) is written to
// out/heldout.json.
func RunStage0LM(ctx context.Context, d *gpu.Device, out string, o Options, resume bool, w io.Writer) (*Summary, error) {
	if w == nil {
		w = io.Discard
	}
	r, err := prepare(out, o, resume)
	if err != nil {
		return nil, err
	}
	corpus, err := LoadCorpus(r.o.Data)
	if err != nil {
		return nil, err
	}
	m, c := r.m, r.m.Config
	if r.o.Batch > len(corpus.Train) {
		return nil, fmt.Errorf("trainer: -batch %d is more than the corpus's %d training lines", r.o.Batch, len(corpus.Train))
	}
	keywordBase, probe, err := keywordData(r.o)
	if err != nil {
		return nil, err
	}
	if err := r.begin(); err != nil {
		return nil, err
	}
	tokDir := filepath.Join(out, "lm-tokenizer")
	if _, err := os.Stat(filepath.Join(r.o.Init, "tokenizer.json")); err == nil {
		// Its language model is trained already: go on with its tokenizer,
		// the one its embeddings mean.
		tokDir = r.o.Init
		fmt.Fprintf(w, "continuing the language model of %s with its tokenizer\n", r.o.Init)
	} else if _, err := os.Stat(filepath.Join(tokDir, "tokenizer.json")); err != nil { // a resumed run has it already
		fmt.Fprintf(w, "training a byte-level BPE of %d tokens on %d lines\n", c.OPT.VocabSize, len(corpus.Train))
		if err := writeBPE(tokDir, corpus.Train, c.OPT.VocabSize); err != nil {
			return nil, err
		}
	}
	tok, err := tokenizer.LoadBPE(tokDir, tokenizer.OPTOptions())
	if err != nil {
		return nil, err
	}
	plain := plainSequences(tok, corpus.Train, r.o)
	if r.o.Pack {
		fmt.Fprintf(w, "stage0-lm: %d lines packed into %d sequences of %d tokens\n", len(corpus.Train), len(plain), r.o.TextLen)
	}
	if r.o.Batch > len(plain) {
		return nil, fmt.Errorf("trainer: -batch %d is more than the corpus's %d training sequences", r.o.Batch, len(plain))
	}
	keywords := keywordEpoch(r.o, keywordBase, len(plain))
	if len(keywords) > 0 {
		fmt.Fprintf(w, "stage0-lm: %d keyword lines an epoch beside the corpus's %d sequences\n", len(keywords), len(plain))
	}
	P := c.NumQueryTokens
	ord := newOrder(r.o.Seed, len(plain)+len(keywords), r.o.Batch)
	return r.loop(ctx, d, stage{
		title:  "stage 0: language model (next-token cross-entropy)",
		params: m.LMParams(),
		files:  tokDir,
		step: func(s *train.GPUStepper, step int) (map[string]float32, error) {
			b := &train.Batch{}
			for _, i := range ord.indices(step) {
				var ids, mask, labels []int
				if i < len(plain) {
					ids, mask = train.Padded(plain[i], r.o.TextLen)
					labels = train.LabelsFrom(ids, mask, 0)
				} else {
					ids, mask, labels = keywordSequence(tok, keywords[i-len(plain)], P, r.o.TextLen)
				}
				b.LMIDs, b.LMMask, b.LMLabels = append(b.LMIDs, ids), append(b.LMMask, mask), append(b.LMLabels, labels)
			}
			res, err := s.StepLM(b)
			if err != nil {
				return nil, err
			}
			return map[string]float32{"loss": res.Loss}, nil
		},
		final: func(s *train.GPUStepper) error {
			m.TieLMHead()
			ppl, err := perplexity(s, tok, corpus.HeldOut, r.o.TextLen, r.o.Batch)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "held-out perplexity %.2f over %d lines\n", ppl, len(corpus.HeldOut))
			res := map[string]any{"lines": len(corpus.HeldOut), "perplexity": ppl}
			if len(probe) > 1 {
				kp, err := keywordProbe(s, tok, probe, P, r.o.TextLen, r.o.Batch)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "val sentences, nats per token: after their own keywords %.3f, after another pair's %.3f\n", kp.Own, kp.Other)
				res["keyword_probe"] = kp
			}
			js, _ := json.Marshal(res)
			return atomicfile.WriteFile(HeldOutFile(out), append(js, '\n'))
		},
	}, w)
}

// plainSequences is the corpus's training lines as token sequences:
// one line each (LMSequence), or packed with -pack (PackLines).
func plainSequences(tok *tokenizer.BPE, lines []string, o Options) [][]int {
	if o.Pack {
		return PackLines(tok.Encode, lines, o.TextLen)
	}
	seqs := make([][]int, len(lines))
	for i, l := range lines {
		seqs[i] = lineTokens(tok, l, o.TextLen)
	}
	return seqs
}

// lineTokens is one corpus line, </s> text </s>, cut to n tokens.
func lineTokens(tok *tokenizer.BPE, line string, n int) []int {
	seq := append(tok.Encode(line), train.OPTEOS)
	return seq[:min(len(seq), n)]
}

// writeBPE trains the tokenizer and publishes tokenizer.json and
// tokenizer_config.json in dir.
func writeBPE(dir string, lines []string, size int) error {
	vocab, merges, err := tokenizer.TrainBPE(lines, size, tokenizer.OPTSpecials)
	if err != nil {
		return err
	}
	if len(vocab) != size {
		return fmt.Errorf("trainer: the corpus gives a BPE of only %d tokens, the config asks for %d", len(vocab), size)
	}
	js, err := tokenizer.BPETokenizerJSON(vocab, merges, tokenizer.OPTSpecials)
	if err != nil {
		return err
	}
	cfg, _ := json.MarshalIndent(map[string]any{"tokenizer_class": "GPT2Tokenizer", "add_bos_token": true,
		"bos_token": "</s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}, "", "  ")
	return publishDir(dir, func(tmp string) error {
		if err := atomicfile.WriteFile(filepath.Join(tmp, "tokenizer.json"), js); err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(tmp, "tokenizer_config.json"), append(cfg, '\n'))
	})
}

// OPT's specials at the ids the BPE trainer gives them.

// lmBatch encodes lines for the language model's own training.
func lmBatch(tok *tokenizer.BPE, lines []string, n int) *train.Batch {
	b := &train.Batch{}
	for _, l := range lines {
		row, mask := LMSequence(tok, l, n)
		b.LMIDs, b.LMMask = append(b.LMIDs, row), append(b.LMMask, mask)
	}
	return b
}

// LMSequence is one corpus line as the language model learns it:
// </s> text </s>, cut to n tokens and padded with <pad> (mask 0).
func LMSequence(tok *tokenizer.BPE, line string, n int) (ids, mask []int) {
	return train.Padded(lineTokens(tok, line, n), n)
}

// perplexity is exp of the mean next-token cross-entropy over lines.
func perplexity(s *train.GPUStepper, tok *tokenizer.BPE, lines []string, n, batch int) (float64, error) {
	loss, err := meanLoss(s, len(lines), batch, func(start, end int) *train.Batch { return lmBatch(tok, lines[start:end], n) })
	return math.Exp(loss), err
}

// meanLoss is the language model's mean loss per predicted token over
// count sequences, made a batch at a time by build.
func meanLoss(s *train.GPUStepper, count, batch int, build func(start, end int) *train.Batch) (float64, error) {
	var sum float64
	var tokens int
	for start := 0; start < count; start += batch {
		r, err := s.LM(build(start, min(start+batch, count)))
		if err != nil {
			return 0, err
		}
		sum += float64(r.Loss) * float64(r.Tokens)
		tokens += r.Tokens
	}
	return sum / float64(tokens), nil
}
