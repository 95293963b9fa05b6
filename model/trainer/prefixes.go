package trainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"blip2/model/app"
	"blip2/model/atomicfile"
)

// Caption prefixes (app.PrefixesFile): stage 2 writes, beside the model it
// trains, the starts of its training sentences ("an emoji of", "an icon
// of"), each with example sentences, so that captioning can begin each
// caption with the start of the image's nearest example by ITC.

// PrefixExamples is how many example sentences each kind's start keeps
// ("an emoji of"): on the val split the nearest of 64 a kind has the right
// kind of image for 83% of images, of 1,024 a kind 86%, and every example
// costs a text pass when the embeddings are made (`convert` stores them,
// app.PrefixEmbedsFile; fine-tuning makes them again). A start that goes on
// to a frequent first word ("an emoji of a woman") keeps headExamples.
const (
	PrefixExamples = 64
	headExamples   = 16
)

// minPrefixExamples leaves out kinds too rare to be a kind of caption;
// minHeadSentences makes a first word frequent enough to start captions.
const (
	minPrefixExamples = 16
	minHeadSentences  = 40
)

// sentenceStart matches a templated sentence's start: article and kind up
// to "of" ("an emoji of"), then the article and the first word of the
// label ("a dog"), on the sentence with a space appended.
var sentenceStart = regexp.MustCompile(`^((?:an?) \S+(?: \S+)? of) (an? \S+?)[ :,]`)

// CaptionPrefixes groups the pairs' templated sentences by their start, in
// order of first appearance. The start runs to "of" ("an emoji of": the
// article after it is left to the language model, which knows whether the
// next word takes "a" or "an"), or on to the label's first word when at
// least minHeadSentences sentences share it and it is a word of its own
// ("an emoji of a woman" for "an emoji of a woman golfing", not for "an
// emoji of a woman: light skin tone"). Each start keeps up to per
// examples (headExamples for the longer ones), evenly spread over its
// sentences (the manifest lists each image set in turn). Nil when fewer
// than two starts up to "of" have minPrefixExamples sentences.
func CaptionPrefixes(pairs []Pair, per int) *app.CaptionPrefixes {
	type sentence struct{ kind, head, text string }
	var all []sentence
	heads := map[[2]string]int{}
	for _, p := range pairs {
		for _, c := range p.Captions {
			m := sentenceStart.FindStringSubmatch(c + " ")
			if m == nil {
				continue
			}
			all = append(all, sentence{m[1], m[2], c})
			heads[[2]string{m[1], m[2]}]++
			break
		}
	}
	var order []string
	groups := map[string][]string{}
	kinds := 0
	for _, s := range all {
		start := s.kind
		if long := s.kind + " " + s.head; heads[[2]string{s.kind, s.head}] >= minHeadSentences && strings.HasPrefix(s.text, long+" ") {
			start = long
		}
		if groups[start] == nil {
			order = append(order, start)
		}
		groups[start] = append(groups[start], s.text)
	}
	out := &app.CaptionPrefixes{}
	for _, start := range order {
		g := groups[start]
		n := min(headExamples, len(g))
		if strings.HasSuffix(start, " of") {
			if len(g) < minPrefixExamples {
				continue
			}
			n = min(per, len(g))
			kinds++
		}
		ex := make([]string, n)
		for i := range ex {
			ex[i] = g[i*len(g)/n]
		}
		out.Prefixes = append(out.Prefixes, app.CaptionPrefix{Text: start, Examples: ex})
	}
	if kinds < 2 {
		return nil
	}
	return out
}

// WriteCaptionPrefixes writes the pairs' caption prefixes into dir, which
// every checkpoint of the run then carries; false when they have none.
func WriteCaptionPrefixes(dir string, pairs []Pair) (bool, error) {
	p := CaptionPrefixes(pairs, PrefixExamples)
	if p == nil {
		return false, nil
	}
	js, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	return true, atomicfile.WriteFile(filepath.Join(dir, app.PrefixesFile), append(js, '\n'))
}
