//go:build js && wasm

// Command workers is the project's static handler (blip2/serve) as a
// Cloudflare Worker: it answers from the R2 bucket bound as MODELS
// (wrangler.toml) exactly as `server serve` answers from a folder, with
// ranges, ETags and immutable caching of content-addressed shards. It
// imports no model package, so the upload stays within the Workers size
// limits (docs/workers.md).
//
// Build with `make build-workers`; workers-assets-gen writes the JS glue
// (worker.mjs, wasm_exec.js) beside build/app.wasm.
package main

import (
	"fmt"
	"log"
	"net/http"
	"syscall/js"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/r2"

	"blip2/serve"
)

// binding is the R2 bucket's name in wrangler.toml's [[r2_buckets]].
const binding = "MODELS"

func main() {
	workers.Serve(handler())
}

// handler is the static handler over the bucket, or, when the binding is
// missing, one that says so on every request: a Go panic here would only
// show as "the script will never generate a response".
func handler() http.Handler {
	bucket, err := r2.NewBucket(binding)
	if err != nil {
		msg := fmt.Sprintf("this Worker has no R2 binding %s (%v): add it under [[r2_buckets]] in wrangler.toml", binding, err)
		log.Print(msg)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, msg, http.StatusInternalServerError)
		})
	}
	return edge(&serve.Handler{Store: &r2Store{bucket: bucket, raw: cloudflare.GetBinding(binding)}, Logf: log.Printf})
}

// edge adapts the handler to the Workers runtime, which differs from a
// server in two ways:
//
//   - The Worker sees Accept-Encoding as "br, gzip" whatever the client
//     sent, and the runtime itself encodes the body to the Content-Encoding
//     a response names. A precompressed .br or .gz sibling would go out
//     encoded twice, or as brotli to a client that asked for none, so the
//     handler is asked for the file itself, which Cloudflare compresses
//     on the way out as the client allows.
//   - syumai/workers turns a response with a Content-Length into a
//     FixedLengthStream of that length, which fails ("did not see all
//     expected bytes") when HEAD sends none. HEAD gets a null body, and
//     the runtime sends the headers, Content-Length included, as set.
func edge(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding")
		rw, ok := w.(rawBodyWriter)
		if r.Method != http.MethodHead || !ok {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(noBody{w}, r)
		rw.WriteRawJSBody(js.Null())
	})
}

// noBody drops what a handler writes (an error message) in answer to HEAD.
type noBody struct{ http.ResponseWriter }

func (noBody) Write(p []byte) (int, error) { return len(p), nil }
