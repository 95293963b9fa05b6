package eval

// Naming is whether captions say what their images show rather than what
// images of the set have in common: a caption names its image when one of
// its words is a word of the image's own captions (label, sentence, tags)
// that is not a word of the caption template ("an icon of a …"), which
// every caption of a kind shares. BLEU and CIDEr-D credit the template;
// this does not.
type Naming struct {
	// Share is the fraction of captions that name their image.
	Share float64 `json:"share"`
	// Distinct is how many different captions there are: a model that
	// says the same few strings for every image has few.
	Distinct int `json:"distinct"`
}

// ScoreNaming scores cands[i] against refs[i]; template is the words the
// caption template contributes (dataset.TemplateWords).
func ScoreNaming(cands []string, refs [][]string, template []string) Naming {
	skip := map[string]bool{}
	for _, w := range template {
		for _, x := range Words(w) {
			skip[x] = true
		}
	}
	named, seen := 0, map[string]bool{}
	for i, c := range cands {
		seen[c] = true
		own := map[string]bool{}
		for _, r := range refs[i] {
			for _, w := range Words(r) {
				own[w] = !skip[w]
			}
		}
		for _, w := range Words(c) {
			if own[w] {
				named++
				break
			}
		}
	}
	n := Naming{Distinct: len(seen)}
	if len(cands) > 0 {
		n.Share = float64(named) / float64(len(cands))
	}
	return n
}
