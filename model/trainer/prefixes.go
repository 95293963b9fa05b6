package trainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"

	"blip2/model/app"
	"blip2/model/atomicfile"
)

// Caption prefixes (app.PrefixesFile): stage 2 writes, beside the model it
// trains, the starts of its training sentences ("an emoji of", "an icon
// of"), each with example sentences, so that captioning can begin each
// caption with the start of the image's nearest example by ITC. The
// article after "of" is left to the language model, which knows whether
// the next word takes "a" or "an": a start that held it ("an emoji of an")
// put "an" before consonants in 32 of 300 test captions.

// PrefixExamples is how many example sentences each prefix keeps: on the
// val split the nearest of 64 per prefix has the right kind of image for
// 83% of images, of 1,024 per prefix 86%, and the page embeds them all
// when it loads the model.
const PrefixExamples = 64

// minPrefixExamples leaves out starts too rare to be a kind of caption.
const minPrefixExamples = 16

// sentenceStart matches a templated sentence's start: article, kind,
// "of", article ("an emoji of a dog face").
var sentenceStart = regexp.MustCompile(`^(an?) (\S+(?: \S+)?) of an? \S`)

// CaptionPrefixes groups the pairs' templated sentences by their start,
// in order of first appearance, and keeps up to per of each, evenly
// spread over the pairs (the manifest lists each image set in turn). Nil
// when fewer than two starts have minPrefixExamples sentences.
func CaptionPrefixes(pairs []Pair, per int) *app.CaptionPrefixes {
	var order []string
	groups := map[string][]string{}
	for _, p := range pairs {
		for _, c := range p.Captions {
			m := sentenceStart.FindStringSubmatch(c)
			if m == nil {
				continue
			}
			start := m[1] + " " + m[2] + " of"
			if groups[start] == nil {
				order = append(order, start)
			}
			groups[start] = append(groups[start], c)
			break
		}
	}
	out := &app.CaptionPrefixes{}
	for _, start := range order {
		g := groups[start]
		if len(g) < minPrefixExamples {
			continue
		}
		n := min(per, len(g))
		ex := make([]string, n)
		for i := range ex {
			ex[i] = g[i*len(g)/n]
		}
		out.Prefixes = append(out.Prefixes, app.CaptionPrefix{Text: start, Examples: ex})
	}
	if len(out.Prefixes) < 2 {
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
