//go:build !(js && wasm)

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"blip2/model/stream"
	"blip2/serve"
)

// testServer serves a folder holding index.html and an 8 MiB shard under
// web/models/m, with short timeouts, until the test ends.
func testServer(t *testing.T, c serverConfig) (base, root string, shard []byte, stop context.CancelFunc, done chan error) {
	t.Helper()
	root = t.TempDir()
	shard = make([]byte, 8<<20)
	rand.Read(shard)
	os.MkdirAll(filepath.Join(root, "web", "models", "m"), 0o755)
	os.WriteFile(filepath.Join(root, "index.html"), []byte("<!doctype html>"), 0o644)
	os.WriteFile(filepath.Join(root, "Makefile"), []byte("secret"), 0o644)
	os.WriteFile(filepath.Join(root, "web", "models", "m", "shard.bin"), shard, 0o644)
	st, err := serve.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(serve.Filtered{Store: st, Allow: servedAllow, Deny: servedDeny}, c)
	srv.ErrorLog = nil
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan error, 1)
	go func() { done <- serveUntil(ctx, srv, ln, 5*time.Second) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return "http://" + ln.Addr().String(), root, shard, cancel, done
}

var quick = serverConfig{MaxInFlight: 64, HeaderTimeout: 300 * time.Millisecond, RequestTimeout: 5 * time.Second,
	ResponseTimeout: time.Minute, IdleTimeout: 5 * time.Second}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rawRequest sends a request line as given (no client-side cleaning).
func rawRequest(t *testing.T, base, line string) int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%s\r\nHost: x\r\nConnection: close\r\n\r\n", line)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeHealthAndRefusals(t *testing.T) {
	base, _, _, _, _ := testServer(t, quick)
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	for _, line := range []string{"GET /../Makefile HTTP/1.1", "GET /web/../Makefile HTTP/1.1", "GET /%2e%2e/Makefile HTTP/1.1", "GET /web/..%2fMakefile HTTP/1.1"} {
		if code := rawRequest(t, base, line); code != 400 && code != 404 {
			t.Errorf("%s: %d", line, code)
		}
	}
	if code, _ := get(t, base+"/Makefile"); code != 404 {
		t.Errorf("a repository file outside the served folders: %d", code)
	}
}

// TestSlowLorisAndDisconnects: a client that never finishes its headers is
// cut off, one that drops a download half-way costs nothing, and the
// server keeps answering everyone else.
func TestSlowLorisAndDisconnects(t *testing.T) {
	base, _, _, _, _ := testServer(t, quick)
	addr := strings.TrimPrefix(base, "http://")
	loris, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer loris.Close()
	fmt.Fprint(loris, "GET / HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	for i := 0; i < 5; i++ {
		c, _ := net.Dial("tcp", addr)
		fmt.Fprint(c, "GET /web/models/m/shard.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		io.ReadFull(c, make([]byte, 4096))
		c.Close() // mid-shard
	}
	if code, _ := get(t, base+"/index.html"); code != 200 {
		t.Errorf("after the disconnects: %d", code)
	}
	loris.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := loris.Read(make([]byte, 1)); err == nil {
		// the server may answer 408 before closing; then the next read ends.
		if _, err := io.ReadAll(loris); err != nil {
			t.Errorf("the slow client was not cut off: %v", err)
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("the slow client still holds its connection after 10 s")
	}
}

// TestShardChangedUnderTheServer: a shard truncated during a download ends
// that download short (never with other bytes), a deleted one is a 404,
// and the server goes on.
func TestShardChangedUnderTheServer(t *testing.T) {
	base, root, shard, _, _ := testServer(t, quick)
	path := filepath.Join(root, "web", "models", "m", "shard.bin")
	resp, err := http.Get(base + "/web/models/m/shard.bin")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 1<<20); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := append(head, rest...)
	if !bytes.Equal(got, shard[:len(got)]) {
		t.Fatal("a download of a shard truncated under it carried other bytes")
	}
	if len(got) < len(shard) && err == nil {
		t.Errorf("a short download (%d of %d bytes) ended without an error", len(got), len(shard))
	}
	t.Logf("truncated mid-download: %d of %d bytes, then %v", len(got), len(shard), err)
	os.Remove(path)
	if code, _ := get(t, base+"/web/models/m/shard.bin"); code != 404 {
		t.Errorf("a deleted shard: %d", code)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("after the faults: /healthz %d", code)
	}
}

// TestGracefulShutdown: a download in flight when the server is told to
// stop finishes whole; new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	base, _, shard, stop, done := testServer(t, quick)
	resp, err := http.Get(base + "/web/models/m/shard.bin")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1<<20)
	io.ReadFull(resp.Body, head)
	stop()
	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("a new connection was accepted during shutdown")
	}
	rest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(append(head, rest...), shard) {
		t.Errorf("the in-flight download: %d bytes, %v", len(head)+len(rest), err)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	done <- nil // for the cleanup
}

// TestPublishUnderARunningServer: a model published while the server runs
// is served on the next request, and a publish that fails leaves the
// served one as it was.
func TestPublishUnderARunningServer(t *testing.T) {
	base, root, _, _, _ := testServer(t, quick)
	dst := filepath.Join(root, "web", "models", "live")
	for _, body := range []string{"one", "two"} {
		if err := stream.Publish(dst, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(body), 0o644)
		}); err != nil {
			t.Fatal(err)
		}
		if code, got := get(t, base+"/web/models/live/manifest.json"); code != 200 || got != body {
			t.Errorf("after publishing %q: %d %q", body, code, got)
		}
	}
	stream.Publish(dst, func(dir string) error { return fmt.Errorf("disk full") })
	if _, got := get(t, base+"/web/models/live/manifest.json"); got != "two" {
		t.Errorf("after a failed publish: %q", got)
	}
}
