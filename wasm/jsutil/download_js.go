//go:build js && wasm

package jsutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall/js"
)

// Download fetches files whose size and sha256 are known in advance (a
// model's shards, which are named by their hash and so never change) into
// the browser's Cache API, and back out of it on the next visit.
type Download struct {
	// Cache is the Cache API store; "" (or a browser without one) keeps
	// nothing between visits.
	Cache string
	// Progress hears the bytes of the current file as they arrive.
	Progress func(got int64)
	// Retries is how many times a cut download resumes (Range from the
	// bytes already received) before it fails.
	Retries int
}

// Source says where Fetch found a file.
type Source int

const (
	FromNetwork Source = iota
	FromCache
	// Refetched: the cached copy failed its check (a corrupt or poisoned
	// entry), was evicted, and the file came from the network.
	Refetched
)

// Fetch returns url's bytes, size of them, which check accepts.
func (d *Download) Fetch(url string, size int64, check func([]byte) error) ([]byte, Source, error) {
	cache := OpenCache(d.Cache)
	src := FromNetwork
	if b, ok := cache.Get(url); ok {
		if check(b) == nil {
			return b, FromCache, nil
		}
		cache.Delete(url)
		src = Refetched
	}
	b, err := d.download(url, size)
	if err != nil {
		return nil, src, err
	}
	if err := check(b); err != nil {
		return nil, src, err // the caller's check names the file
	}
	cache.Put(url, b) // a full quota only costs the next visit a download
	return b, src, nil
}

// download streams url into memory; when the connection breaks it asks
// for the rest with a Range request, up to d.Retries times.
func (d *Download) download(url string, size int64) ([]byte, error) {
	buf := make([]byte, 0, size)
	for attempt := 0; ; attempt++ {
		err := d.stream(url, &buf, size)
		if err == nil {
			return buf, nil
		}
		var fatal fatalError
		if errors.As(err, &fatal) || attempt >= d.Retries {
			return nil, fmt.Errorf("%s: %w", url, err)
		}
	}
}

// fatalError is a failure that retrying cannot fix (a 404).
type fatalError struct{ error }

// stream appends the body of one request to buf: the whole file, or the
// bytes after len(buf) when some already arrived.
func (d *Download) stream(url string, buf *[]byte, size int64) error {
	init := map[string]any{"cache": "no-store"}
	from := int64(len(*buf))
	if from > 0 {
		init["headers"] = map[string]any{"Range": "bytes=" + strconv.FormatInt(from, 10) + "-"}
	}
	resp, err := Await(js.Global().Call("fetch", url, init))
	if err != nil {
		return err // the network: retry
	}
	switch status := resp.Get("status").Int(); {
	case status == 200:
		*buf = (*buf)[:0] // a server that ignores Range sends it all again
	case status == 206 && from > 0:
		if cr := resp.Get("headers").Call("get", "Content-Range"); cr.Type() != js.TypeString || !strings.HasPrefix(cr.String(), "bytes "+strconv.FormatInt(from, 10)+"-") {
			return fatalError{fmt.Errorf("a resumed download came back with Content-Range %v", cr)}
		}
	default:
		return fatalError{fmt.Errorf("HTTP %d", status)}
	}
	reader := resp.Get("body").Call("getReader")
	for {
		chunk, err := Await(reader.Call("read"))
		if err != nil {
			return err // cut mid-way: resume
		}
		if chunk.Get("done").Bool() {
			break
		}
		v := chunk.Get("value")
		n := v.Get("length").Int()
		if int64(len(*buf)+n) > size {
			return fatalError{fmt.Errorf("more than the manifest's %d bytes", size)}
		}
		start := len(*buf)
		*buf = (*buf)[:start+n]
		js.CopyBytesToGo((*buf)[start:], v)
		if d.Progress != nil {
			d.Progress(int64(len(*buf)))
		}
	}
	if int64(len(*buf)) < size {
		return fmt.Errorf("the body ended after %d of %d bytes", len(*buf), size)
	}
	return nil
}
