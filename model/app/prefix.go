package app

import (
	"encoding/json"
	"fmt"
	"strings"
)

// How a caption starts. The default model's small language model reads
// the image weakly through the visual prompt, and its first words decide
// the kind of caption: left to itself it begins most emoji captions with
// "a clip art of a", because "a" is likelier than "an" a priori, and the
// rest follows the wrong kind. ITC knows the kind far better: the nearest
// of a few hundred example captions has the right one for 83% of val
// images. So a model folder may hold candidate caption starts, each with
// example captions (PrefixesFile, which `train stage2` writes from its
// training sentences); each image's caption then begins with the prefix of
// its nearest example by ITC, and the language model continues from there
// (docs/training.md).

// PrefixesFile is the model folder's list of caption prefixes.
const PrefixesFile = "caption_prefixes.json"

// CaptionPrefixes are the candidate starts of a caption.
type CaptionPrefixes struct {
	Prefixes []CaptionPrefix `json:"prefixes"`
}

// CaptionPrefix is one start ("an emoji of a") and captions that begin
// with it ("an emoji of a dog face"), which ITC compares images with.
type CaptionPrefix struct {
	Text     string   `json:"text"`
	Examples []string `json:"examples"`
}

// ParsePrefixes reads and checks a PrefixesFile.
func ParsePrefixes(data []byte) (*CaptionPrefixes, error) {
	var p CaptionPrefixes
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", PrefixesFile, err)
	}
	if len(p.Prefixes) < 2 {
		return nil, fmt.Errorf("%s: %d prefixes, a choice needs at least 2", PrefixesFile, len(p.Prefixes))
	}
	for i, x := range p.Prefixes {
		if strings.TrimSpace(x.Text) == "" {
			return nil, fmt.Errorf("%s: prefix %d is empty", PrefixesFile, i)
		}
		if len(x.Examples) == 0 {
			return nil, fmt.Errorf("%s: prefix %q has no example captions", PrefixesFile, x.Text)
		}
		for _, e := range x.Examples {
			if !strings.HasPrefix(e, x.Text+" ") {
				return nil, fmt.Errorf("%s: the example %q does not begin with its prefix %q", PrefixesFile, e, x.Text)
			}
		}
	}
	return &p, nil
}
