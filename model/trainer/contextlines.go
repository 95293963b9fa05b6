package trainer

import (
	"fmt"
	"strings"
)

// contextTags is how many of a pair's tags a context line names before
// its sentence: enough to say what the thing is, short enough that the
// line fits stage0-lm's 32 tokens.
const contextTags = 3

// ContextLines are extra language-model lines made of the train split's
// pairs: the label and its first tags, then the pair's sentence, which
// names the label again ("lobster, animal, bisque. an emoji of a
// lobster"). A line of the plain corpus never repeats earlier words, so
// a language model trained on it learns nothing about drawing a word from
// its context, and a frozen one then cannot be steered by a visual prompt
// that stands where such context would be (docs/training.md, "Does the
// image reach the language model?"). Pairs with fewer than three captions
// (the label, the sentence, the label with its tags) give none, nor do
// pairs with a caption in eval (the val and test captions, which the
// corpus leaves out too: the same label can name icons of several splits).
func ContextLines(pairs []Pair, eval map[string]bool) []string {
	var out []string
pairs:
	for _, p := range pairs {
		if len(p.Captions) < 3 {
			continue
		}
		for _, c := range p.Captions {
			if eval[strings.Join(strings.Fields(c), " ")] {
				continue pairs
			}
		}
		items := strings.Split(p.Captions[2], ", ")
		items = items[:min(len(items), 1+contextTags)]
		out = append(out, fmt.Sprintf("%s. %s", strings.Join(items, ", "), p.Captions[1]))
	}
	return out
}
