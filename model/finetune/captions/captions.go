// Package captions reads the captions.tsv a person gives with the images
// they fine-tune on. It is apart from package finetune so that the page,
// which only lists the pairs, does not carry the training code.
package captions

import (
	"fmt"
	"path"
	"strings"
)

// Parse reads a captions.tsv: one `file<TAB>caption` a line, the
// file named as the user picked it (only its base name counts, so a
// folder prefix matches too). Blank lines and lines starting with # are
// skipped; a line without a tab, or a file named twice, is listed as a
// problem and left out.
func Parse(data []byte) (captions map[string]string, problems []string) {
	captions = map[string]string{}
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		line = strings.TrimPrefix(line, "\ufeff")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		file, caption, ok := strings.Cut(line, "\t")
		file = path.Base(strings.ReplaceAll(strings.TrimSpace(file), `\`, "/"))
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("line %d has no tab between the file and the caption", i+1))
		case file == "." || file == "/":
			problems = append(problems, fmt.Sprintf("line %d names no file", i+1))
		case captions[file] != "":
			problems = append(problems, fmt.Sprintf("line %d names %s again", i+1, file))
		default:
			captions[file] = strings.TrimSpace(caption)
		}
	}
	return captions, problems
}
