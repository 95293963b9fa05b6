package serve

import (
	"net/url"
	"strings"
)

// Request paths become store names here, and only here. A name is a
// slash-separated relative path whose segments are non-empty, do not
// start with a dot (no "..", no .git or .env) and hold no backslash,
// colon (drive letters) or control character. Percent-encoded dots,
// slashes, backslashes and NULs are refused before decoding can turn
// them into any of those.

// ValidName says whether name is a name a Store may be asked for.
func ValidName(name string) bool {
	if name == "" || len(name) > 1024 {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg[0] == '.' {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; c < 0x20 || c == 0x7f || c == '\\' || c == ':' {
				return false
			}
		}
	}
	return true
}

// nameOf maps a request URL to a store name: "/" and any path ending in
// "/" read that folder's index.html. ok is false for anything refused.
func nameOf(u *url.URL) (name string, ok bool) {
	raw := strings.ToLower(u.EscapedPath())
	for _, bad := range []string{"%2e", "%2f", "%5c", "%00"} {
		if strings.Contains(raw, bad) {
			return "", false
		}
	}
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	name = p[1:]
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	return name, ValidName(name)
}
