package serve

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testTree is a served folder: a 50-byte shard, a manifest, the page, a
// wasm with .br and .gz siblings, a folder without an index, and beside it
// a secret outside the root.
func testTree(t *testing.T) (*Handler, string) {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	files := map[string]string{
		"index.html":                          "<!doctype html>page",
		"models/m/manifest.json":              `{"shards":[]}`,
		"models/m/shard-0123456789abcdef.bin": strings.Repeat("0123456789", 5),
		"web/demo.wasm":                       "wasm-identity",
		"web/demo.wasm.br":                    "wasm-brotli",
		"web/demo.wasm.gz":                    "wasm-gzip",
		"web/css/site.css":                    "body{}",
		".git/config":                         "secret",
		"../secret.txt":                       "outside",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Variants are written after their original, as precompress does.
	later := time.Now().Add(time.Second)
	for _, v := range []string{"web/demo.wasm.br", "web/demo.wasm.gz"} {
		os.Chtimes(filepath.Join(root, v), later, later)
	}
	if err := os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(root, "web", "out.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("css/site.css", filepath.Join(root, "web", "in.css")); err != nil {
		t.Fatal(err)
	}
	st, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Handler{Store: st, Logf: t.Logf}, root
}

func do(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://x"+target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const shard = "/models/m/shard-0123456789abcdef.bin"

func TestRanges(t *testing.T) {
	h, _ := testTree(t)
	all := strings.Repeat("0123456789", 5)
	for _, c := range []struct {
		rng, status, body, contentRange string
	}{
		{"bytes=0-9", "206", all[:10], "bytes 0-9/50"},
		{"bytes=45-", "206", all[45:], "bytes 45-49/50"},
		{"bytes=-7", "206", all[43:], "bytes 43-49/50"},
		{"bytes=-500", "206", all, "bytes 0-49/50"},
		{"bytes=40-100", "206", all[40:], "bytes 40-49/50"},
		{"BYTES = 3-3", "206", all[3:4], "bytes 3-3/50"},
		{"bytes=50-", "416", "", "bytes */50"},
		{"bytes=99-200", "416", "", "bytes */50"},
		{"bytes=-0", "416", "", "bytes */50"},
		{"bytes=99999999999999999999-", "416", "", "bytes */50"},
		{"bytes=0-1,4-5", "200", all, ""}, // several ranges: the whole object
		{"bytes=5-2", "200", all, ""},     // malformed
		{"bytes=a-b", "200", all, ""},     // malformed
		{"bytes=--1", "200", all, ""},     // malformed
		{"items=0-1", "200", all, ""},     // another unit
		{"bytes 0-1", "200", all, ""},     // no '='
		{"bytes=0-9999999999999999999999", "206", all, "bytes 0-49/50"},
	} {
		w := do(h, "GET", shard, "Range", c.rng)
		if got := w.Code; strconv.Itoa(got) != c.status {
			t.Errorf("Range %q: status %d, want %s", c.rng, got, c.status)
			continue
		}
		if c.status != "416" && w.Body.String() != c.body {
			t.Errorf("Range %q: body %q, want %q", c.rng, w.Body.String(), c.body)
		}
		if got := w.Header().Get("Content-Range"); got != c.contentRange {
			t.Errorf("Range %q: Content-Range %q, want %q", c.rng, got, c.contentRange)
		}
		if c.status != "416" && w.Header().Get("Content-Length") != strconv.Itoa(len(c.body)) {
			t.Errorf("Range %q: Content-Length %q for %d bytes", c.rng, w.Header().Get("Content-Length"), len(c.body))
		}
	}
	// If-Range with another validator: the whole object.
	w := do(h, "GET", shard, "Range", "bytes=0-1", "If-Range", `"stale"`)
	if w.Code != 200 || w.Body.Len() != 50 {
		t.Errorf("If-Range mismatch: %d, %d bytes", w.Code, w.Body.Len())
	}
	// HEAD ignores Range and sends no body.
	w = do(h, "HEAD", shard, "Range", "bytes=0-1")
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "50" {
		t.Errorf("HEAD: %d, body %d bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestETagRevalidation(t *testing.T) {
	h, root := testTree(t)
	w := do(h, "GET", "/models/m/manifest.json")
	tag := w.Header().Get("ETag")
	if w.Code != 200 || !strings.HasPrefix(tag, `"`) || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET: %d, ETag %q, Cache-Control %q", w.Code, tag, w.Header().Get("Cache-Control"))
	}
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		if w := do(h, "GET", "/models/m/manifest.json", "If-None-Match", inm); w.Code != 304 || w.Body.Len() != 0 || w.Header().Get("ETag") != tag {
			t.Errorf("If-None-Match %s: %d, %d bytes", inm, w.Code, w.Body.Len())
		}
	}
	if w := do(h, "GET", "/models/m/manifest.json", "If-None-Match", `"other"`); w.Code != 200 {
		t.Errorf("a stale If-None-Match: %d", w.Code)
	}
	// A republished file has a new tag.
	p := filepath.Join(root, "models/m/manifest.json")
	os.WriteFile(p, []byte(`{"shards":[1]}`), 0o644)
	os.Chtimes(p, time.Now(), time.Now().Add(time.Second))
	if w := do(h, "GET", "/models/m/manifest.json", "If-None-Match", tag); w.Code != 200 || w.Header().Get("ETag") == tag {
		t.Errorf("after a change: %d, ETag %q (was %q)", w.Code, w.Header().Get("ETag"), tag)
	}
	if cc := do(h, "GET", shard).Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("a content-addressed shard: Cache-Control %q", cc)
	}
}

func TestPathsRefused(t *testing.T) {
	h, _ := testTree(t)
	for _, target := range []string{
		"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/web/..%2fsecret.txt", "/web/%2e%2e/index.html",
		"/web\\..\\..\\secret.txt", "/web%5c..%5csecret.txt", "/C:/secret.txt", "//etc/passwd", "/.git/config",
		"/web/.%2e/index.html", "/index.html%00.png", "/web//demo.wasm",
	} {
		w := do(h, "GET", target)
		if w.Code != 400 && w.Code != 404 {
			t.Errorf("%s: %d, want 400 or 404", target, w.Code)
		}
		if strings.Contains(w.Body.String(), "outside") || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%s: leaked %q", target, w.Body.String())
		}
	}
	if w := do(h, "GET", "/web/out.txt"); w.Code != 404 {
		t.Errorf("a symlink out of the root: %d %q", w.Code, w.Body.String())
	}
	if w := do(h, "GET", "/web/in.css"); w.Code != 200 || w.Body.String() != "body{}" {
		t.Errorf("a symlink inside the root: %d %q", w.Code, w.Body.String())
	}
	for _, dir := range []string{"/web/", "/web", "/models/m/"} {
		if w := do(h, "GET", dir); w.Code != 404 {
			t.Errorf("folder %s: %d (folders are never listed)", dir, w.Code)
		}
	}
	if w := do(h, "GET", "/"); w.Code != 200 || !strings.Contains(w.Body.String(), "page") || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("/: %d %q", w.Code, w.Body.String())
	}
}

func TestMethodsRefused(t *testing.T) {
	h, _ := testTree(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"} {
		w := do(h, m, "/index.html")
		if w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q", m, w.Code, w.Header().Get("Allow"))
		}
	}
}

func TestPrecompressed(t *testing.T) {
	h, _ := testTree(t)
	for _, c := range []struct{ accept, body, enc string }{
		{"gzip, deflate, br", "wasm-brotli", "br"},
		{"gzip", "wasm-gzip", "gzip"},
		{"br;q=0, gzip;q=0.5", "wasm-gzip", "gzip"},
		{"*", "wasm-brotli", "br"},
		{"", "wasm-identity", ""},
		{"identity", "wasm-identity", ""},
	} {
		w := do(h, "GET", "/web/demo.wasm", "Accept-Encoding", c.accept)
		if w.Body.String() != c.body || w.Header().Get("Content-Encoding") != c.enc || w.Header().Get("Content-Type") != "application/wasm" || w.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: %q, Content-Encoding %q, type %q", c.accept, w.Body.String(), w.Header().Get("Content-Encoding"), w.Header().Get("Content-Type"))
		}
	}
}

// TestStaleVariantIgnored: a .br older than its original (a rebuilt wasm
// without a fresh precompress) is not sent for it.
func TestStaleVariantIgnored(t *testing.T) {
	h, root := testTree(t)
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(root, "web/demo.wasm"), later, later) // rebuilt after its .br
	w := do(h, "GET", "/web/demo.wasm", "Accept-Encoding", "br, gzip")
	if w.Body.String() != "wasm-identity" || w.Header().Get("Content-Encoding") != "" {
		t.Errorf("a stale variant was sent: %q, Content-Encoding %q", w.Body.String(), w.Header().Get("Content-Encoding"))
	}
	if w := do(h, "GET", "/web/nothere.wasm", "Accept-Encoding", "br"); w.Code != 404 {
		t.Errorf("a missing wasm: %d", w.Code)
	}
}

func TestChangedUnderARequest(t *testing.T) {
	h, root := testTree(t)
	obj, err := h.Store.Stat(t.Context(), "models/m/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "models/m/manifest.json")
	os.WriteFile(p, []byte("{}"), 0o644)
	if _, err := h.Store.Open(t.Context(), "models/m/manifest.json", obj, 0, obj.Size); err == nil {
		t.Error("a file that changed after Stat was opened as the old one")
	}
}

func TestLimit(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	h := Limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}), 1)
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	<-entered
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	close(release)
	if w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Errorf("past the limit: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestBodyIsTheFile(t *testing.T) {
	h, root := testTree(t)
	want, _ := os.ReadFile(filepath.Join(root, shard[1:]))
	w := do(h, "GET", shard)
	if !bytes.Equal(w.Body.Bytes(), want) || w.Header().Get("Content-Type") != "application/octet-stream" {
		t.Errorf("shard body %q", w.Body.String())
	}
}
