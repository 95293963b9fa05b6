package tokenizer

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// T5ExtraIDs is the number of <extra_id_N> sentinels T5 tokenizers add
// after the SentencePiece vocabulary (<extra_id_0> is the last id).
const T5ExtraIDs = 100

// ReadSentencePiece builds a Unigram tokenizer from the bytes of a
// SentencePiece .model file. With a zero opt it encodes as SentencePiece's
// EncodeAsIds does (no special tokens, nothing appended).
func ReadSentencePiece(data []byte, opt UnigramOptions) (*Unigram, error) {
	m, err := ParseSentencePieceModel(data)
	if err != nil {
		return nil, err
	}
	if m.ModelType != 1 {
		return nil, fmt.Errorf("tokenizer: sentencepiece model type %d is not Unigram (1)", m.ModelType)
	}
	if m.ByteFallback {
		return nil, errors.New("tokenizer: sentencepiece byte fallback is not supported")
	}
	return NewUnigram(m.Pieces, m.UnkID, m.Normalizer, opt)
}

// LoadT5 reads the tokenizer of a T5 / Flan-T5 (or BLIP-2 Flan-T5)
// checkpoint folder: tokenizer.json when present, else spiece.model. The
// result matches Hugging Face's T5 tokenizers: <pad>=0, </s>=1, <unk>=2,
// <extra_id_0>..<extra_id_99> at the top ids, and "</s>" appended by
// Encode.
func LoadT5(dir string) (*Unigram, error) {
	tjPath := filepath.Join(dir, "tokenizer.json")
	if data, err := os.ReadFile(tjPath); err == nil {
		t, err := ReadUnigramJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tjPath, err)
		}
		return t, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	spPath := filepath.Join(dir, "spiece.model")
	data, err := os.ReadFile(spPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s has neither tokenizer.json nor spiece.model: %w", dir, err)
	}
	m, err := ParseSentencePieceModel(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spPath, err)
	}
	opt := UnigramOptions{Append: []string{"</s>"}}
	for i := T5ExtraIDs - 1; i >= 0; i-- {
		opt.Extra = append(opt.Extra, fmt.Sprintf("<extra_id_%d>", i))
	}
	opt.Specials = append(opt.Specials, opt.Extra...)
	for _, p := range m.Pieces {
		if p.Type == PieceControl || p.Type == PieceUnknown {
			opt.Specials = append(opt.Specials, p.Text) // <pad>, </s>, <unk>
		}
	}
	t, err := ReadSentencePiece(data, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spPath, err)
	}
	return t, nil
}

// hfUnigramJSON is the part of a Unigram tokenizer.json that is read.
type hfUnigramJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         struct {
		Type         string            `json:"type"`
		UnkID        *int              `json:"unk_id"`
		Vocab        []json.RawMessage `json:"vocab"`
		ByteFallback bool              `json:"byte_fallback"`
	} `json:"model"`
}

// hfComponent is a normalizer, pre-tokenizer or post-processor node.
type hfComponent struct {
	Type                string            `json:"type"`
	Normalizers         []json.RawMessage `json:"normalizers"`
	Pretokenizers       []json.RawMessage `json:"pretokenizers"`
	Processors          []json.RawMessage `json:"processors"`
	PrecompiledCharsmap *string           `json:"precompiled_charsmap"`
	Replacement         string            `json:"replacement"`
	AddPrefixSpace      *bool             `json:"add_prefix_space"`
	PrependScheme       string            `json:"prepend_scheme"`
	Single              []struct {
		Sequence     *struct{ ID string } `json:"Sequence"`
		SpecialToken *struct{ ID string } `json:"SpecialToken"`
	} `json:"single"`
}

func walkComponents(raw json.RawMessage, visit func(c *hfComponent) error) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	if c.Type == "Sequence" {
		for _, list := range [][]json.RawMessage{c.Normalizers, c.Pretokenizers, c.Processors} {
			for _, sub := range list {
				if err := walkComponents(sub, visit); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return visit(&c)
}

// ReadUnigramJSON builds a tokenizer from a Hugging Face tokenizer.json
// whose model is "Unigram" (T5's). Added tokens are matched verbatim in the
// text; the post-processor's tokens after $A are appended by Encode.
func ReadUnigramJSON(data []byte) (*Unigram, error) {
	var tj hfUnigramJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, err
	}
	if tj.Model.Type != "Unigram" {
		return nil, fmt.Errorf("model type %q, want \"Unigram\"", tj.Model.Type)
	}
	if tj.Model.ByteFallback {
		return nil, errors.New("byte fallback is not supported")
	}
	pieces := make([]Piece, len(tj.Model.Vocab))
	for i, raw := range tj.Model.Vocab {
		var pair []any
		if err := json.Unmarshal(raw, &pair); err != nil {
			return nil, fmt.Errorf("vocab entry %d: %w", i, err)
		}
		if len(pair) != 2 {
			return nil, fmt.Errorf("vocab entry %d is not [piece, score]", i)
		}
		text, ok1 := pair[0].(string)
		score, ok2 := pair[1].(float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("vocab entry %d is not [piece, score]", i)
		}
		pieces[i] = Piece{Text: text, Score: float32(score), Type: PieceNormal}
	}
	unk := 0
	if tj.Model.UnkID != nil {
		unk = *tj.Model.UnkID
	}
	if unk < 0 || unk >= len(pieces) {
		return nil, fmt.Errorf("unk_id %d outside the vocabulary", unk)
	}
	pieces[unk].Type = PieceUnknown

	var opt UnigramOptions
	for _, at := range tj.AddedTokens {
		if at.ID < 0 || at.ID >= len(tj.Model.Vocab)+len(tj.AddedTokens) {
			return nil, fmt.Errorf("added token %q has id %d", at.Content, at.ID)
		}
		for at.ID >= len(pieces) { // ids past the vocab: placeholders until filled
			pieces = append(pieces, Piece{Type: PieceUnused})
		}
		if pieces[at.ID].Text != "" && pieces[at.ID].Text != at.Content {
			return nil, fmt.Errorf("added token %q has the id %d of %q", at.Content, at.ID, pieces[at.ID].Text)
		}
		pieces[at.ID].Text = at.Content
		if at.Special && pieces[at.ID].Type != PieceUnknown {
			pieces[at.ID].Type = PieceControl
		}
		opt.Specials = append(opt.Specials, at.Content)
	}

	spec := NormalizerSpec{AddDummyPrefix: true, RemoveExtraWhitespaces: true, EscapeWhitespaces: true}
	nfkc := false
	err := walkComponents(tj.Normalizer, func(c *hfComponent) error {
		switch c.Type {
		case "Precompiled":
			if c.PrecompiledCharsmap == nil || *c.PrecompiledCharsmap == "" {
				return nil
			}
			b, err := base64.StdEncoding.DecodeString(*c.PrecompiledCharsmap)
			if err != nil {
				return fmt.Errorf("precompiled_charsmap: %w", err)
			}
			spec.CharsMap = b
		case "NFKC":
			nfkc = true
		case "Strip", "Replace":
			// Stripping and collapsing runs of spaces: done by the
			// SentencePiece whitespace handling below.
		default:
			return fmt.Errorf("normalizer %q is not supported", c.Type)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = walkComponents(tj.PreTokenizer, func(c *hfComponent) error {
		switch c.Type {
		case "WhitespaceSplit", "Whitespace":
		case "Metaspace":
			if c.Replacement != "" && c.Replacement != spaceSymbol {
				return fmt.Errorf("metaspace replacement %q is not supported", c.Replacement)
			}
			if c.AddPrefixSpace != nil {
				spec.AddDummyPrefix = *c.AddPrefixSpace
			}
			if c.PrependScheme == "never" {
				spec.AddDummyPrefix = false
			}
		default:
			return fmt.Errorf("pre-tokenizer %q is not supported", c.Type)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = walkComponents(tj.PostProcessor, func(c *hfComponent) error {
		if c.Type != "TemplateProcessing" {
			return fmt.Errorf("post-processor %q is not supported", c.Type)
		}
		seenA := false
		for _, item := range c.Single {
			switch {
			case item.Sequence != nil:
				seenA = true
			case item.SpecialToken != nil && seenA:
				opt.Append = append(opt.Append, item.SpecialToken.ID)
			case item.SpecialToken != nil:
				return fmt.Errorf("post-processor token %q before the text is not supported", item.SpecialToken.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := NewUnigram(pieces, unk, spec, opt)
	if err != nil {
		return nil, err
	}
	t.norm.nfkc = nfkc
	return t, nil
}
