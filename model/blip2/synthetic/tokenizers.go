package synthetic

import (
	"encoding/json"
	"sort"
	"strings"

	"blip2/model/tokenizer"
)

// tokenText is what the presets' tokenizers are learnt from: their
// weights are random, so the tokenizers only need to be valid files of
// the right kind with ids inside the vocabulary.
var tokenText = strings.Split(`a photo of a dog sitting on the beach with a woman
question: what is in the picture? answer: a cat on a red sofa
an emoji of a smiling face with heart eyes
two people riding bicycles down a city street at night
a bowl of fruit, apples and oranges, on a wooden table
the quick brown fox jumps over the lazy dog 0123456789`, "\n")

// TokenizerFiles are the preset's tokenizer files, made in Go: the
// language model's tokenizer.json (byte-level BPE with OPT's specials at
// ids 0-3, or a Unigram with T5's <pad>, </s>, <unk>), and for retrieval
// the Q-Former's WordPiece vocab.txt.
func (p Preset) TokenizerFiles() (map[string][]byte, error) {
	if p.Retrieval {
		vocab, err := tokenizer.BuildWordPieceVocab(tokenText, 400)
		if err != nil {
			return nil, err
		}
		return map[string][]byte{"vocab.txt": []byte(tokenizer.VocabTxt(vocab))}, nil
	}
	if p.Config["text_config"].(map[string]any)["model_type"] == "t5" {
		b, err := unigramJSON(tokenText)
		return map[string][]byte{"tokenizer.json": b}, err
	}
	vocab, merges, err := tokenizer.TrainBPE(tokenText, 600, tokenizer.OPTSpecials)
	if err != nil {
		return nil, err
	}
	b, err := tokenizer.BPETokenizerJSON(vocab, merges, tokenizer.OPTSpecials)
	return map[string][]byte{"tokenizer.json": b}, err
}

// unigramJSON is a T5-style Unigram tokenizer.json: <pad>, </s>, <unk>
// at 0-2, "▁" and every character of texts, then each word with its
// leading "▁", scored so longer pieces win; </s> appended to every text.
func unigramJSON(texts []string) ([]byte, error) {
	pieces := map[string]bool{}
	for _, t := range texts {
		for _, w := range strings.Fields(strings.ToLower(t)) {
			pieces["▁"+w] = true
			for _, r := range w {
				pieces[string(r)] = true
			}
		}
	}
	keys := make([]string, 0, len(pieces))
	for k := range pieces {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vocab := [][]any{{"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}, {"▁", -2.0}}
	for _, k := range keys {
		vocab = append(vocab, []any{k, -10.0 / float64(len([]rune(k)))})
	}
	special := func(id int, s string) map[string]any {
		return map[string]any{"id": id, "content": s, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
	}
	metaspace := map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true, "prepend_scheme": "always"}
	return json.MarshalIndent(map[string]any{
		"version":       "1.0",
		"added_tokens":  []any{special(0, "<pad>"), special(1, "</s>"), special(2, "<unk>")},
		"normalizer":    nil,
		"pre_tokenizer": metaspace,
		"post_processor": map[string]any{"type": "TemplateProcessing",
			"single": []any{map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"SpecialToken": map[string]any{"id": "</s>", "type_id": 0}}}},
		"decoder": metaspace,
		"model":   map[string]any{"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": false},
	}, "", " ")
}
