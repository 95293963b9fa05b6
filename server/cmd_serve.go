//go:build !(js && wasm)

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"blip2/serve"
)

func init() {
	register("serve", "serve the demo page, its wasm and the model files (default command)", runServe)
}

// What `serve` publishes from the repository root.
var (
	servedAllow = []string{"index.html", "web/", "testdata/golden/", "testdata/stream/"} // the reference-set page reads testdata
	servedDeny  = []string{"web/node_modules/", "web/test/", "web/package.json", "web/package-lock.json"}
)

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	root := fs.String("root", ".", "repository root holding index.html and web/")
	cfg := defaultServerConfig
	fs.IntVar(&cfg.MaxInFlight, "max-inflight", cfg.MaxInFlight, "requests served at once; past it the answer is 503 with Retry-After")
	drain := fs.Duration("drain", 20*time.Second, "on SIGINT/SIGTERM, how long in-flight downloads may take to finish")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*root, "index.html")); err != nil {
		return fmt.Errorf("no index.html under %s: run from the repository root or pass -root", *root)
	}
	if _, err := os.Stat(filepath.Join(*root, "web", "wasm_exec.js")); err != nil {
		log.Printf("warning: web/wasm_exec.js is missing; build the wasm first (make build-wasm)")
	}
	st, err := serve.OpenDir(*root)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := newServer(serve.Filtered{Store: st, Allow: servedAllow, Deny: servedDeny}, cfg)
	log.Printf("serving %s on http://%s/", *root, ln.Addr())
	return serveUntilSignal(srv, ln, *drain)
}

// serverConfig bounds what one client can hold: requests in flight, the
// time to send headers (slow-loris), to send a request, to take a
// response, and to sit idle between requests.
type serverConfig struct {
	MaxInFlight                   int
	HeaderTimeout, RequestTimeout time.Duration
	ResponseTimeout, IdleTimeout  time.Duration
}

var defaultServerConfig = serverConfig{MaxInFlight: 256, HeaderTimeout: 10 * time.Second, RequestTimeout: 30 * time.Second,
	ResponseTimeout: 10 * time.Minute, IdleTimeout: 60 * time.Second}

// newServer is the HTTP server around a store: /healthz, then the static
// handler (which sees every other path raw, so a traversal attempt is
// refused rather than redirected), behind the in-flight limit.
func newServer(st serve.Store, c serverConfig) *http.Server {
	static := &serve.Handler{Store: st, Logf: log.Printf}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprintln(w, "ok")
			return
		}
		static.ServeHTTP(w, r)
	})
	return &http.Server{
		Handler:           serve.Limit(h, c.MaxInFlight),
		ReadHeaderTimeout: c.HeaderTimeout,
		ReadTimeout:       c.RequestTimeout,
		WriteTimeout:      c.ResponseTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(os.Stderr, "http: ", log.LstdFlags),
	}
}

// serveUntilSignal serves on ln until SIGINT or SIGTERM, then stops
// accepting and gives in-flight requests up to drain to finish.
func serveUntilSignal(srv *http.Server, ln net.Listener, drain time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveUntil(ctx, srv, ln, drain)
}

// serveUntil serves on ln until ctx ends, then shuts down gracefully.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener, drain time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Printf("shutting down: letting in-flight requests finish (up to %s)", drain)
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
		return fmt.Errorf("shutdown: in-flight requests still running after %s were cut", drain)
	}
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	return err
}
