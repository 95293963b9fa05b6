//go:build js && wasm

package jsutil

import (
	"crypto/sha256"
	"encoding/hex"
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

// Fetch returns url's bytes, checked against size and sha256hex.
func (d *Download) Fetch(url string, size int64, sha256hex string) ([]byte, Source, error) {
	cache := d.open()
	src := FromNetwork
	if cache.Truthy() {
		if resp, err := Await(cache.Call("match", url)); err == nil && resp.Truthy() {
			b, err := BlobBytes(resp)
			if err == nil && verify(b, size, sha256hex) == nil {
				return b, FromCache, nil
			}
			Await(cache.Call("delete", url))
			src = Refetched
		}
	}
	b, err := d.download(url, size)
	if err != nil {
		return nil, src, err
	}
	if err := verify(b, size, sha256hex); err != nil {
		return nil, src, fmt.Errorf("%s: %w", url, err)
	}
	if cache.Truthy() {
		arr := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(arr, b)
		resp := js.Global().Get("Response").New(arr, map[string]any{"headers": map[string]any{"Content-Type": "application/octet-stream"}})
		Await(cache.Call("put", url, resp)) // a full quota only costs the next visit a download
	}
	return b, src, nil
}

func (d *Download) open() js.Value {
	caches := js.Global().Get("caches")
	if d.Cache == "" || !caches.Truthy() {
		return js.Undefined()
	}
	c, err := Await(caches.Call("open", d.Cache))
	if err != nil {
		return js.Undefined() // e.g. an opaque origin: no cache, still a download
	}
	return c
}

func verify(b []byte, size int64, sha256hex string) error {
	if int64(len(b)) != size {
		return fmt.Errorf("%d bytes, the manifest says %d", len(b), size)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != sha256hex {
		return errors.New("does not match its sha256 (corrupt file or wrong manifest)")
	}
	return nil
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
