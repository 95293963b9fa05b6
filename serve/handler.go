package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Handler serves a Store over HTTP.
type Handler struct {
	Store Store
	// Logf, when set, hears of every read that failed other than with
	// ErrNotFound (a file that changed or vanished under a request).
	Logf func(format string, args ...any)
}

var types = map[string]string{
	".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".txt": "text/plain; charset=utf-8",
	".md": "text/markdown; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".svg": "image/svg+xml", ".ico": "image/x-icon", ".bin": "application/octet-stream",
	".safetensors": "application/octet-stream", ".model": "application/octet-stream",
}

// compressible types may have precompressed .br and .gz siblings.
var compressible = map[string]bool{".html": true, ".js": true, ".mjs": true, ".css": true, ".json": true, ".wasm": true, ".txt": true, ".svg": true}

// contentAddressed names carry a hash of their bytes (convert's
// shard-<16 hex>.bin): they never change, so caches keep them for good.
var contentAddressed = regexp.MustCompile(`(^|/)[a-z0-9_]+-[0-9a-f]{16,64}\.[a-z0-9]+$`)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	name, ok := nameOf(r.URL)
	if !ok {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	ext := strings.ToLower(path.Ext(name))
	file, obj, enc, err := h.pick(r.Context(), name, ext, r.Header.Get("Accept-Encoding"))
	if errors.Is(err, ErrNotFound) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err != nil {
		h.logf("serve: %s: %v", name, err)
		http.Error(w, "storage error", http.StatusServiceUnavailable)
		return
	}
	if t, ok := types[ext]; ok {
		hdr.Set("Content-Type", t)
	} else {
		hdr.Set("Content-Type", "application/octet-stream")
	}
	if compressible[ext] {
		hdr.Set("Vary", "Accept-Encoding")
	}
	if enc != "" {
		hdr.Set("Content-Encoding", enc)
	}
	hdr.Set("ETag", obj.ETag)
	if !obj.ModTime.IsZero() {
		hdr.Set("Last-Modified", obj.ModTime.UTC().Format(http.TimeFormat))
	}
	if contentAddressed.MatchString(name) {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache") // revalidate: cheap with the ETag
	}
	hdr.Set("Accept-Ranges", "bytes")
	if etagMatches(r.Header.Get("If-None-Match"), obj.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	br, answer := byteRange{0, obj.Size}, rangeNone
	if rh := r.Header.Get("Range"); rh != "" && r.Method == http.MethodGet {
		if ir := r.Header.Get("If-Range"); ir == "" || ir == obj.ETag {
			br, answer = parseRange(rh, obj.Size)
		}
	}
	switch answer {
	case rangeUnsatisfiable:
		hdr.Set("Content-Range", fmt.Sprintf("bytes */%d", obj.Size))
		http.Error(w, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return
	case rangeNone:
		br = byteRange{0, obj.Size}
	}
	status := http.StatusOK
	if answer == rangeOK {
		status = http.StatusPartialContent
		hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", br.start, br.start+br.length-1, obj.Size))
	}
	hdr.Set("Content-Length", strconv.FormatInt(br.length, 10))
	if r.Method == http.MethodHead || br.length == 0 {
		w.WriteHeader(status)
		return
	}
	body, err := h.Store.Open(r.Context(), file, obj, br.start, br.length)
	if err != nil {
		h.logf("serve: %s: %v", file, err)
		hdr.Del("Content-Length")
		hdr.Del("Content-Range")
		http.Error(w, "storage error", http.StatusServiceUnavailable)
		return
	}
	defer body.Close()
	var readErr error
	w.WriteHeader(status)
	// A short body (the file shrank under the request, or the client went
	// away) makes net/http drop the connection, so no client takes a
	// truncated answer for a whole one. Only the store's side is logged: a
	// client that leaves is no fault.
	n, err := io.Copy(w, storeReader{body, &readErr})
	if readErr != nil || (err == nil && n != br.length) {
		h.logf("serve: %s: sent %d of %d bytes: the file changed under the request (%v)", file, n, br.length, readErr)
	}
}

// storeReader notes the store's read errors apart from the client's
// write errors.
type storeReader struct {
	r   io.Reader
	err *error
}

func (s storeReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		*s.err = err
	}
	return n, err
}

// pick chooses what answers name: a precompressed sibling (.br, then .gz)
// when the client accepts it and it is not older than name (a rebuilt
// wasm without a fresh .br must not be answered by the old one), else
// name itself.
func (h *Handler) pick(ctx context.Context, name, ext, acceptEncoding string) (string, Object, string, error) {
	obj, err := h.Store.Stat(ctx, name)
	if err != nil || !compressible[ext] {
		return name, obj, "", err
	}
	for _, v := range []struct{ enc, suffix string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !accepts(acceptEncoding, v.enc) {
			continue
		}
		if vo, err := h.Store.Stat(ctx, name+v.suffix); err == nil && !vo.ModTime.Before(obj.ModTime) {
			return name + v.suffix, vo, v.enc, nil
		}
	}
	return name, obj, "", nil
}

func (h *Handler) logf(format string, args ...any) {
	if h.Logf != nil {
		h.Logf(format, args...)
	}
}

// accepts says whether an Accept-Encoding header allows coding (a q of 0
// refuses it; "*" stands for any coding not named).
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		c, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		c = strings.ToLower(strings.TrimSpace(c))
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		switch c {
		case coding:
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}

// etagMatches is If-None-Match's weak comparison against a strong tag.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
