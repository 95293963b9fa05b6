package serve

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzNameOf: whatever the request target, a name that comes out is
// valid, has no dot segment and, joined to a root, stays inside it.
func FuzzNameOf(f *testing.F) {
	for _, s := range []string{"/", "/index.html", "/../x", "/%2e%2e/x", "/a/b/", "/a\\b", "/C:/x", "//x", "/.git/config", "/a/%00", "/web/demo.wasm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		name, ok := nameOf(u)
		if !ok {
			return
		}
		if !ValidName(name) {
			t.Fatalf("%q → invalid name %q", target, name)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") {
				t.Fatalf("%q → name %q with segment %q", target, name, seg)
			}
		}
		root := filepath.FromSlash("/srv/root")
		if p := filepath.Join(root, filepath.FromSlash(name)); !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("%q → %q leaves the root", target, p)
		}
	})
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"index.html": true, "web/demo.wasm": true, "models/default/shard-0123456789abcdef.bin": true,
		"": false, "/abs": false, "a//b": false, "../x": false, "a/../b": false, ".env": false, "a/.git/x": false,
		"a\\b": false, "c:x": false, "a\x00b": false, "a/b/": false, strings.Repeat("a", 1025): false,
	} {
		if ValidName(name) != want {
			t.Errorf("ValidName(%q) = %v", name, !want)
		}
	}
}
