package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadDir reads config.json from a checkpoint folder.
func LoadDir(dir string) (*Blip2Config, error) {
	return LoadFile(filepath.Join(dir, "config.json"))
}

// LoadFile reads a BLIP-2 config.json.
func LoadFile(path string) (*Blip2Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// sections holds the raw sub-configs so each can be laid over its defaults.
type sections struct {
	ModelType *string         `json:"model_type"`
	Vision    json.RawMessage `json:"vision_config"`
	QFormer   json.RawMessage `json:"qformer_config"`
	Text      json.RawMessage `json:"text_config"`
}

// Parse resolves a config.json the way Blip2Config(**json) does in
// transformers v4.45. Unlike HF, "model_type" is required at the top and in
// text_config: guessing OPT for a missing text model type would load
// weights into the wrong architecture.
func Parse(data []byte) (*Blip2Config, error) {
	var s sections
	if err := strictObject(data, &s); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if s.ModelType == nil {
		return nil, errors.New(`config: missing required field "model_type" (want "blip-2")`)
	}
	if *s.ModelType != "blip-2" {
		return nil, fmt.Errorf(`config: model_type %q, want "blip-2"`, *s.ModelType)
	}
	c := &Blip2Config{
		NumQueryTokens: 32, ImageTextHiddenSize: 256,
		Vision: DefaultVision(), QFormer: DefaultQFormer(),
	}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	// Blip2Config.__init__ sets these after reading kwargs, so stored
	// values never win.
	c.InitializerFactor, c.InitializerRange = 1.0, 0.02
	if err := overlay(s.Vision, &c.Vision, "vision_config"); err != nil {
		return nil, err
	}
	if err := overlay(s.QFormer, &c.QFormer, "qformer_config"); err != nil {
		return nil, err
	}
	c.QFormer.EncoderHiddenSize = c.Vision.HiddenSize // HF overwrites it too
	if err := c.parseText(s.Text); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// strictObject decodes only when data is a JSON object: json.Unmarshal of
// "null" or "[]" into a struct would silently keep the defaults.
func strictObject(data []byte, v any) error {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(data, v)
}

func overlay(raw json.RawMessage, dst any, field string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil // HF: "... is None. Initializing with default values."
	}
	if err := strictObject(raw, dst); err != nil {
		return fmt.Errorf("config: %s: %w", field, err)
	}
	return nil
}

func (c *Blip2Config) parseText(raw json.RawMessage) error {
	var head struct {
		ModelType *string `json:"model_type"`
	}
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New("config: missing required field text_config")
	}
	if err := strictObject(raw, &head); err != nil {
		return fmt.Errorf("config: text_config: %w", err)
	}
	if head.ModelType == nil {
		return errors.New(`config: missing required field text_config.model_type ("opt" or "t5")`)
	}
	switch *head.ModelType {
	case "opt":
		o := DefaultOPT()
		o.WordEmbedProjDim = -1
		if err := overlay(raw, &o, "text_config"); err != nil {
			return err
		}
		if o.WordEmbedProjDim == -1 {
			o.WordEmbedProjDim = o.HiddenSize
		}
		c.OPT, c.TieWordEmbeddings, c.IsEncoderDecoder = &o, o.TieWordEmbeddings, false
		c.UseDecoderOnlyLanguageModel = true
	case "t5":
		t := DefaultT5()
		t.NumDecoderLayers = -1
		if err := overlay(raw, &t, "text_config"); err != nil {
			return err
		}
		if err := t.deriveActivation(raw); err != nil {
			return err
		}
		if t.NumDecoderLayers == -1 {
			t.NumDecoderLayers = t.NumLayers
		}
		c.T5, c.TieWordEmbeddings, c.IsEncoderDecoder = &t, t.TieWordEmbeddings, t.IsEncoderDecoder
		c.UseDecoderOnlyLanguageModel = false
	default:
		return fmt.Errorf("config: text_config.model_type %q is not supported (want \"opt\" or \"t5\")", *head.ModelType)
	}
	return nil
}

// deriveActivation follows T5Config.__init__: "gated-gelu" means a gated
// FFN whose activation is gelu_new (the tanh approximation). Values stored
// explicitly in the file win, as they do in HF (set after __init__).
func (t *T5Config) deriveActivation(raw json.RawMessage) error {
	parts := strings.Split(t.FeedForwardProj, "-")
	if (len(parts) > 1 && parts[0] != "gated") || len(parts) > 2 || parts[len(parts)-1] == "" {
		return fmt.Errorf("config: text_config.feed_forward_proj %q is not a valid activation; "+
			"use \"gated-{ACT_FN}\" or \"{ACT_FN}\"", t.FeedForwardProj)
	}
	var stored struct {
		DenseActFn *string `json:"dense_act_fn"`
		IsGatedAct *bool   `json:"is_gated_act"`
	}
	json.Unmarshal(raw, &stored) // already decoded once, cannot fail
	t.DenseActFn, t.IsGatedAct = parts[len(parts)-1], parts[0] == "gated"
	if t.FeedForwardProj == "gated-gelu" {
		t.DenseActFn = "gelu_new"
	}
	if stored.DenseActFn != nil {
		t.DenseActFn = *stored.DenseActFn
	}
	if stored.IsGatedAct != nil {
		t.IsGatedAct = *stored.IsGatedAct
	}
	return nil
}
