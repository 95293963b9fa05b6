package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"blip2/model/image"
)

// SamplePairs reads n image–caption pairs from a dataset folder written by
// `server data` (such as the committed testdata/data-sample): the first
// train pair of each of n sources, images preprocessed as the reference
// does (bicubic to size×size, CLIP normalisation), and captions as ids of a
// word vocabulary built over those captions: 1 is [CLS], 2 [SEP], 0 padding,
// words from 3, at most maxWords words a caption. It returns the words too,
// so a test can print what the model learned.
func SamplePairs(dir string, n, size, maxWords int) (pixels []float32, ids, mask [][]int, vocab []string, err error) {
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer f.Close()
	type pair struct{ File, Source, Split, Caption string }
	var picked []pair
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(picked) < n {
		var p pair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		if p.Split == "train" && !seen[p.Source] {
			seen[p.Source] = true
			picked = append(picked, p)
		}
	}
	if len(picked) < n {
		return nil, nil, nil, nil, fmt.Errorf("%s: %d sources with a train pair, want %d", dir, len(picked), n)
	}
	index := map[string]int{}
	for _, p := range picked {
		data, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			return nil, nil, nil, nil, err
		}
		px, err := image.Preprocess(data, size)
		if err != nil {
			return nil, nil, nil, nil, fmt.Errorf("%s: %w", p.File, err)
		}
		pixels = append(pixels, px...)
		words := strings.FieldsFunc(strings.ToLower(p.Caption), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		row := []int{1}
		for _, w := range words[:min(len(words), maxWords)] {
			if _, ok := index[w]; !ok {
				index[w] = 3 + len(vocab)
				vocab = append(vocab, w)
			}
			row = append(row, index[w])
		}
		ids = append(ids, append(row, 2))
	}
	width := 0
	for _, r := range ids {
		width = max(width, len(r))
	}
	for i, r := range ids { // right-pad to one length
		m := make([]int, width)
		for j := range r {
			m[j] = 1
		}
		ids[i], mask = append(r, make([]int, width-len(r))...), append(mask, m)
	}
	return pixels, ids, mask, vocab, nil
}
