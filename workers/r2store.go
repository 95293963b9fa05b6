//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall/js"

	"github.com/syumai/workers/cloudflare/r2"

	"blip2/serve"
)

// r2Store is serve.Store over an R2 bucket. Stat is the library's Head;
// Open calls the binding's get itself, because r2.Bucket.Get takes no
// options and a shard read must be ranged and tied to the ETag the
// handler already sent.
type r2Store struct {
	bucket *r2.Bucket
	raw    js.Value // the same binding, for get with options
}

func (s *r2Store) Stat(_ context.Context, name string) (serve.Object, error) {
	if !serve.ValidName(name) {
		return serve.Object{}, serve.ErrNotFound
	}
	o, err := s.bucket.Head(name)
	if err != nil {
		return serve.Object{}, fmt.Errorf("r2 head %s: %w", name, err)
	}
	if o == nil {
		return serve.Object{}, serve.ErrNotFound
	}
	// httpEtag is R2's quoted form of the object's etag: a strong
	// validator that changes with every put of new bytes.
	return serve.Object{Size: int64(o.Size), ModTime: o.Uploaded, ETag: o.HTTPETag}, nil
}

func (s *r2Store) Open(_ context.Context, name string, obj serve.Object, off, n int64) (io.ReadCloser, error) {
	if !serve.ValidName(name) {
		return nil, serve.ErrNotFound
	}
	opts := js.ValueOf(map[string]any{
		"range": map[string]any{"offset": off, "length": n},
		// R2 compares the bare etag; on a mismatch it answers the
		// object's metadata without a body.
		"onlyIf": map[string]any{"etagMatches": strings.Trim(obj.ETag, `"`)},
	})
	v, err := await(s.raw.Call("get", name, opts))
	if err != nil {
		return nil, fmt.Errorf("r2 get %s [%d, +%d): %w", name, off, n, err)
	}
	if v.IsNull() {
		return nil, fmt.Errorf("%s was deleted since it was described", name)
	}
	body := v.Get("body")
	if etag := v.Get("httpEtag").String(); body.IsUndefined() || etag != obj.ETag {
		cancel(body)
		return nil, fmt.Errorf("%s changed since it was described (etag %s, now %s)", name, obj.ETag, etag)
	}
	// R2 clamps a range that runs past the end rather than refusing it.
	if r := v.Get("range"); r.Type() == js.TypeObject && int64(r.Get("length").Float()) != n {
		cancel(body)
		return nil, fmt.Errorf("%s: R2 answered %v bytes for a range of %d", name, r.Get("length"), n)
	}
	return &r2Body{stream: body, n: n}, nil
}

// rawBodyWriter is what syumai/workers' ResponseWriter offers for handing
// a JS stream straight to the Response.
type rawBodyWriter interface{ WriteRawJSBody(body js.Value) }

// r2Body is an R2 object body. Written to the Worker's ResponseWriter it
// passes the R2 stream through untouched, so a 64 MiB shard costs no Go
// CPU time (Workers bill CPU, not wall time) and keeps R2's length, which
// becomes the response's Content-Length; elsewhere it reads like any
// stream.
type r2Body struct {
	stream js.Value
	n      int64
	reader js.Value // the stream's reader, once Read took one
	handed bool     // the stream went to the Response
	buf    []byte
}

func (b *r2Body) WriteTo(w io.Writer) (int64, error) {
	if rw, ok := w.(rawBodyWriter); ok && b.reader.IsUndefined() {
		rw.WriteRawJSBody(b.stream)
		b.handed = true
		// R2 checked the etag and the range length: the stream carries
		// exactly n bytes.
		return b.n, nil
	}
	return io.Copy(w, struct{ io.Reader }{b})
}

func (b *r2Body) Read(p []byte) (int, error) {
	if b.handed {
		return 0, fmt.Errorf("r2 body: already handed to the response")
	}
	if b.reader.IsUndefined() {
		b.reader = b.stream.Call("getReader")
	}
	for len(b.buf) == 0 {
		res, err := await(b.reader.Call("read"))
		if err != nil {
			return 0, fmt.Errorf("r2 body: %w", err)
		}
		if res.Get("done").Bool() {
			return 0, io.EOF
		}
		chunk := res.Get("value")
		b.buf = make([]byte, chunk.Get("byteLength").Int())
		js.CopyBytesToGo(b.buf, chunk)
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// Close releases the R2 stream unless the Response now owns it.
func (b *r2Body) Close() error {
	switch {
	case b.handed:
	case !b.reader.IsUndefined():
		b.reader.Call("cancel")
	default:
		cancel(b.stream)
	}
	return nil
}

// cancel releases a body stream that will not be read.
func cancel(stream js.Value) {
	if stream.Type() == js.TypeObject {
		stream.Call("cancel")
	}
}

// await waits for a JS promise. The Worker's event loop runs while this
// goroutine blocks.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: fmt.Errorf("%s", args[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}
