package dataset

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// wordnet ships the glosses and example sentences of the text corpus.
var wordnet = Package{"deb", "wordnet-base", "1:3.0-37"}

const wordnetAttribution = "WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. " +
	"Used under the WordNet 3.0 license, whose text follows with the package's copyright file."

var wordnetQuote = regexp.MustCompile(`"([^"]+)"`)

// wordnetTexts returns the glosses and example sentences of one WordNet
// data file, in file order. A synset line ends in "| gloss; "example"".
func wordnetTexts(data []byte) (glosses, examples []string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "  ") { // licence header
			continue
		}
		_, gloss, ok := strings.Cut(line, " | ")
		if !ok {
			continue
		}
		for _, m := range wordnetQuote.FindAllStringSubmatch(gloss, -1) {
			examples = append(examples, strings.TrimSpace(m[1]))
		}
		def := wordnetQuote.ReplaceAllString(gloss, "")
		def = strings.Trim(strings.TrimSpace(def), "; ")
		if def != "" {
			glosses = append(glosses, def)
		}
	}
	return glosses, examples
}

// WriteCorpus writes corpus.txt, the text for pre-training a small
// language model: WordNet glosses and examples, then every caption and
// tag list of the dataset, one text a line, each text once.
func WriteCorpus(ctx context.Context, out string, ps *PackageSet, items []Item) error {
	var texts []string
	files, err := ps.Open(ctx, wordnet, prefixed("usr/share/wordnet/"))
	if err != nil {
		ps.problem("corpus", wordnet.String(), "WordNet left out: %v", err)
	} else {
		for _, pos := range []string{"noun", "verb", "adj", "adv"} {
			data, ok := files["usr/share/wordnet/data."+pos]
			if !ok {
				ps.problem("corpus", "data."+pos, "missing from %s", wordnet)
				continue
			}
			g, e := wordnetTexts(data)
			texts = append(append(texts, g...), e...)
		}
	}
	for _, it := range items {
		c, alt := it.Captions()
		texts = append(append(texts, c), alt...)
		if len(it.Tags) > 0 {
			texts = append(texts, strings.Join(it.Tags, ", "))
		}
	}
	var buf bytes.Buffer
	seen := map[string]bool{}
	lines := 0
	for _, t := range texts {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		buf.WriteString(t)
		buf.WriteByte('\n')
		lines++
	}
	if lines == 0 {
		return fmt.Errorf("no text")
	}
	return writeAtomic(filepath.Join(out, "corpus.txt"), buf.Bytes())
}
