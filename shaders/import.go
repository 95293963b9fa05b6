package shaders

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// importRE matches a whole import line. It is a WGSL comment, so a kernel
// with its imports unresolved is still valid text for editors and linters.
var importRE = regexp.MustCompile(`^\s*// #import (\w+)\s*$`)

// Resolve replaces each `// #import name` line of src, the kernel called
// kernel, with the text of name.wgsl from lib, recursively. A snippet is
// inserted once per kernel, where it is first imported; later imports of it
// are dropped. A missing snippet or an import cycle is an error naming the
// chain of imports that led to it.
func Resolve(kernel, src string, lib fs.FS) (string, error) {
	r := resolver{lib: lib, done: map[string]bool{}}
	var b strings.Builder
	if err := r.expand(&b, src, []string{kernel}); err != nil {
		return "", err
	}
	return b.String(), nil
}

type resolver struct {
	lib  fs.FS
	done map[string]bool // snippets already inserted into this kernel
}

// expand writes src to b with its imports resolved; chain is the import path
// from the kernel down to src, for cycle detection and error messages.
func (r *resolver) expand(b *strings.Builder, src string, chain []string) error {
	lines := strings.SplitAfter(src, "\n")
	for _, line := range lines {
		m := importRE.FindStringSubmatch(strings.TrimRight(line, "\r\n"))
		if m == nil {
			b.WriteString(line)
			continue
		}
		name := m[1]
		for _, c := range chain[1:] {
			if c == name {
				return fmt.Errorf("shaders: %s: import cycle %s -> %s", chain[0], strings.Join(chain, " -> "), name)
			}
		}
		if r.done[name] {
			continue
		}
		text, err := fs.ReadFile(r.lib, name+".wgsl")
		if err != nil {
			return fmt.Errorf("shaders: %s: import %q (via %s): no lib/%s.wgsl", chain[0], name, strings.Join(chain, " -> "), name)
		}
		r.done[name] = true
		body := string(text)
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		if err := r.expand(b, body, append(chain[:len(chain):len(chain)], name)); err != nil {
			return err
		}
	}
	return nil
}
