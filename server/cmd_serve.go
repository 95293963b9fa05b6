//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"log"
	"mime"
	"net/http"
	"os"
	"path/filepath"
)

func init() {
	register("serve", "serve the demo page, its wasm and the model files (default command)", runServe)
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	root := fs.String("root", ".", "repository root holding index.html and web/")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*root, "index.html")); err != nil {
		return fmt.Errorf("no index.html under %s: run from the repository root or pass -root", *root)
	}
	if _, err := os.Stat(filepath.Join(*root, "web", "wasm_exec.js")); err != nil {
		log.Printf("warning: web/wasm_exec.js is missing; build the wasm first (make build-wasm)")
	}
	_ = mime.AddExtensionType(".wasm", "application/wasm")
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("/", http.FileServer(http.Dir(*root)))
	log.Printf("serving %s on http://%s/", *root, *addr)
	return http.ListenAndServe(*addr, mux)
}
