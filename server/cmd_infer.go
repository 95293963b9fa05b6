//go:build !(js && wasm)

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/cpu"
	"blip2/model/finetune"
	"blip2/model/gpu"
	"blip2/model/image"
	"blip2/model/nn"
	"blip2/model/stream"
	"blip2/model/weights"
)

func init() {
	register("infer", "run a checkpoint on a reference set's inputs and write every output tensor", runInfer)
}

func runInfer(args []string) error {
	fs := flag.NewFlagSet("infer", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", "", "Hugging Face BLIP-2 folder (config.json + model.safetensors or shards)")
	inputs := fs.String("inputs", "", "inputs.safetensors of a reference set")
	out := fs.String("out", "out.safetensors", "where to write the outputs")
	device := fs.String("device", "gpu", "gpu (WebGPU: a GPU, or lavapipe) or cpu (the pure-Go reference)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" || *inputs == "" {
		return fmt.Errorf("-checkpoint and -inputs are required")
	}
	m, err := loadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	in, err := readInputs(*inputs)
	if err != nil {
		return err
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	tensors, err := m.ReferenceOutputs(b, in)
	if err != nil {
		return err
	}
	if err := weights.WriteFile(*out, tensors, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d tensors to %s\n", len(tensors), *out)
	return nil
}

// readInputs reads a reference set's inputs.safetensors.
func readInputs(path string) (*blip2.Inputs, error) {
	f, err := weights.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return blip2.ReadInputs(f)
}

// readImage decodes and preprocesses one image file for a model of the
// given input size: (3, size, size), CLIP-normalised.
func readImage(path string, size int) ([]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	px, err := image.Preprocess(data, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return px, nil
}

// defaultModel is the shipped model, which every command that takes a
// model uses unless told otherwise.
const defaultModel = "web/models/default"

// loadModel binds the model a -checkpoint names for backend b: a folder
// (with a clear word when the shipped model is not there), or a fine-tuned
// weights file the demo page exported (.safetensors), laid over the
// shipped model. dir is the folder that holds the tokenizers. On a GPU
// backend the layers of the image encoder, the Q-Former and the language
// model go to the device as they are bound and keep no host copy
// (blip2.LoadResident), so a large model never sits whole in host memory,
// widened or not.
func loadModel(ckpt string, b nn.Backend) (m *blip2.Model, dir string, err error) {
	tuned := ""
	if strings.HasSuffix(ckpt, ".safetensors") {
		tuned, ckpt = ckpt, defaultModel
	}
	if _, err := os.Stat(ckpt); err != nil && ckpt == defaultModel {
		return nil, "", fmt.Errorf("no model at %s: run from the repository root, build it with `make model`, or pass -checkpoint DIR", defaultModel)
	}
	if g, ok := b.(*gpu.Backend); ok {
		parts := blip2.ResidentVision | blip2.ResidentQFormer | blip2.ResidentLM
		if tuned != "" {
			parts &^= blip2.ResidentQFormer // the file is laid over its host values
		}
		m, err = loadResident(ckpt, g, parts)
	} else {
		m, err = loadCheckpoint(ckpt)
	}
	if err != nil || tuned == "" {
		return m, ckpt, err
	}
	f, err := weights.Open(tuned)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if _, err := finetune.Load(m, nil, nil, f); err != nil {
		return nil, "", fmt.Errorf("%s over %s: %w", tuned, ckpt, err)
	}
	return m, ckpt, nil
}

// loadCheckpoint binds a Hugging Face BLIP-2 folder, or a converted one
// (manifest.json), on the host.
func loadCheckpoint(dir string) (*blip2.Model, error) {
	if stream.IsConverted(dir) {
		s, err := stream.OpenDir(dir)
		if err != nil {
			return nil, err
		}
		defer s.Release()
		return stream.LoadModel(s)
	}
	return blip2.LoadDir(dir)
}

// loadResident is loadCheckpoint with the layers of parts resident on b.
func loadResident(dir string, b *gpu.Backend, parts blip2.Resident) (*blip2.Model, error) {
	if stream.IsConverted(dir) {
		s, err := stream.OpenDir(dir)
		if err != nil {
			return nil, err
		}
		defer s.Release()
		return stream.LoadResident(s, b, parts)
	}
	return blip2.LoadDirWith(dir, func(cfg *config.Blip2Config, src weights.Store) (*blip2.Model, error) {
		binding, buffer := b.Limits()
		if err := stream.CheckStoreLimits(src, binding, buffer); err != nil {
			return nil, err
		}
		return blip2.LoadResident(cfg, src, b, parts)
	})
}

// openBackend opens the named backend and returns a function that closes it.
func openBackend(name string) (nn.Backend, func(), error) {
	switch name {
	case "cpu":
		return cpu.New(), func() {}, nil
	case "gpu":
		d, err := gpu.Open(context.Background())
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(os.Stderr, "adapter: %s\n", d.Info)
		b := gpu.NewBackend(d)
		return b, func() { b.ReleaseParams(); d.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown -device %q (want gpu or cpu)", name)
}
