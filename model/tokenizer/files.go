package tokenizer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// hfTokenizerJSON is the part of a tokenizers-library tokenizer.json we read.
type hfTokenizerJSON struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer *struct {
		Type      string `json:"type"`
		Lowercase *bool  `json:"lowercase"`
	} `json:"normalizer"`
	Model struct {
		Type                    string          `json:"type"`
		Vocab                   map[string]int  `json:"vocab"`
		Merges                  json.RawMessage `json:"merges"`
		UnkToken                string          `json:"unk_token"`
		ContinuingSubwordPrefix string          `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    int             `json:"max_input_chars_per_word"`
	} `json:"model"`
}

func readTokenizerJSON(path, wantType string) (*hfTokenizerJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseTokenizerJSON(data, path, wantType)
}

// parseTokenizerJSON parses tokenizer.json text; path names it in errors.
func parseTokenizerJSON(data []byte, path, wantType string) (*hfTokenizerJSON, error) {
	var tj hfTokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if tj.Model.Type != wantType {
		return nil, fmt.Errorf("%s: model type %q, want %q", path, tj.Model.Type, wantType)
	}
	// Added tokens may sit outside model.vocab (e.g. BLIP-2's "[DEC]").
	for _, at := range tj.AddedTokens {
		if _, ok := tj.Model.Vocab[at.Content]; !ok {
			tj.Model.Vocab[at.Content] = at.ID
		}
	}
	return &tj, nil
}

// parseMerges accepts both spellings tokenizers has used: "a b" strings
// and, since 0.20, ["a", "b"] pairs.
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	var asStrings []string
	if err := json.Unmarshal(raw, &asStrings); err == nil {
		return mergesFromLines(asStrings)
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, errors.New("tokenizer: merges are neither strings nor pairs")
	}
	return pairs, nil
}

func mergesFromLines(lines []string) ([][2]string, error) {
	var out [][2]string
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if l == "" || (i == 0 && strings.HasPrefix(l, "#version")) {
			continue
		}
		parts := strings.Fields(l)
		if len(parts) != 2 {
			return nil, fmt.Errorf("tokenizer: merge line %d %q is not two symbols", i+1, l)
		}
		out = append(out, [2]string{parts[0], parts[1]})
	}
	return out, nil
}

// ReadBPE builds a BPE tokenizer from vocab.json and merges.txt contents.
func ReadBPE(vocabJSON, mergesTxt io.Reader, opt BPEOptions) (*BPE, error) {
	var vocab map[string]int
	if err := json.NewDecoder(vocabJSON).Decode(&vocab); err != nil {
		return nil, fmt.Errorf("tokenizer: vocab.json: %w", err)
	}
	var lines []string
	sc := bufio.NewScanner(mergesTxt)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenizer: merges.txt: %w", err)
	}
	merges, err := mergesFromLines(lines)
	if err != nil {
		return nil, err
	}
	return NewBPE(vocab, merges, opt)
}

// ParseBPE reads a byte-level BPE tokenizer from the text of a
// tokenizer.json (what a page fetches beside a model).
func ParseBPE(tokenizerJSON []byte, opt BPEOptions) (*BPE, error) {
	tj, err := parseTokenizerJSON(tokenizerJSON, "tokenizer.json", "BPE")
	if err != nil {
		return nil, err
	}
	merges, err := parseMerges(tj.Model.Merges)
	if err != nil {
		return nil, err
	}
	return NewBPE(tj.Model.Vocab, merges, opt)
}

// LoadBPE reads tokenizer.json, or else vocab.json + merges.txt, from dir.
func LoadBPE(dir string, opt BPEOptions) (*BPE, error) {
	tjPath := filepath.Join(dir, "tokenizer.json")
	if data, err := os.ReadFile(tjPath); err == nil {
		b, err := ParseBPE(data, opt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tjPath, err)
		}
		return b, nil
	}
	v, err := os.Open(filepath.Join(dir, "vocab.json"))
	if err != nil {
		return nil, err
	}
	defer v.Close()
	m, err := os.Open(filepath.Join(dir, "merges.txt"))
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return ReadBPE(v, m, opt)
}

// ReadVocabTxt reads a WordPiece vocab.txt: one token per line, id = line.
func ReadVocabTxt(r io.Reader) ([]string, error) {
	var vocab []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		vocab = append(vocab, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenizer: vocab.txt: %w", err)
	}
	if len(vocab) == 0 {
		return nil, errors.New("tokenizer: vocab.txt is empty")
	}
	return vocab, nil
}

// LoadWordPiece reads tokenizer.json, or else vocab.txt, from dir and adds
// the tokens of added_tokens (such as BLIP-2's "[DEC]") after the vocab.
// A tokenizer.json of another model type (the language model's BPE, in a
// folder that holds both tokenizers) leaves vocab.txt to the Q-Former.
func LoadWordPiece(dir string) (*WordPiece, error) {
	tjPath := filepath.Join(dir, "tokenizer.json")
	if _, err := os.Stat(tjPath); err == nil && (modelType(tjPath) == "WordPiece" || !exists(filepath.Join(dir, "vocab.txt"))) {
		tj, err := readTokenizerJSON(tjPath, "WordPiece")
		if err != nil {
			return nil, err
		}
		vocab := make([]string, len(tj.Model.Vocab))
		for tok, id := range tj.Model.Vocab {
			if id < 0 || id >= len(vocab) || vocab[id] != "" {
				return nil, fmt.Errorf("%s: ids are not 0..%d without gaps (%q has %d)", tjPath, len(vocab)-1, tok, id)
			}
			vocab[id] = tok
		}
		wp, err := NewWordPiece(vocab)
		if err != nil {
			return nil, err
		}
		if tj.Normalizer != nil && tj.Normalizer.Lowercase != nil {
			wp.Lowercase = *tj.Normalizer.Lowercase
		}
		if n := tj.Model.MaxInputCharsPerWord; n > 0 {
			wp.MaxCharsPerWord = n
		}
		for _, at := range tj.AddedTokens {
			if at.Special {
				wp.specials.ids[at.Content] = at.ID
			}
		}
		wp.specials = newSpecialSet(wp.specials.ids)
		return wp, nil
	}
	f, err := os.Open(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vocab, err := ReadVocabTxt(f)
	if err != nil {
		return nil, err
	}
	return NewWordPiece(vocab)
}

// modelType is the model.type of a tokenizer.json ("" if unreadable).
func modelType(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var tj struct {
		Model struct {
			Type string `json:"type"`
		} `json:"model"`
	}
	if json.Unmarshal(data, &tj) != nil {
		return ""
	}
	return tj.Model.Type
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
