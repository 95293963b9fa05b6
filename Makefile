# Every entry point of the project. `make demo` and `make test` install what
# they need first (.ci/setup is idempotent).
SHELL       := /bin/bash
.SHELLFLAGS := -eo pipefail -c
GO      ?= go
WASMEXEC = $(shell $(GO) env GOROOT)/lib/wasm/wasm_exec.js
ADDR    ?= 127.0.0.1:8080
# lavapipe prints a warning on every device open without it.
export XDG_RUNTIME_DIR ?= /tmp

DATA_DIR ?= /tmp/blip2-data

.PHONY: demo serve test setup vet build build-wasm test-native test-browser bench data

demo: setup build-wasm serve            ## run the demo at http://$(ADDR)/

serve:
	$(GO) run ./server serve -addr $(ADDR)

test: setup vet build build-wasm test-native test-browser   ## every test

setup:
	.ci/setup

vet:
	test -z "$$(gofmt -l . | tee /dev/stderr)"
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

build:
	$(GO) build ./...
	GOOS=js GOARCH=wasm $(GO) build ./...

build-wasm:
	GOOS=js GOARCH=wasm $(GO) build -o web/kerneltest.wasm ./wasm/kerneltest
	GOOS=js GOARCH=wasm $(GO) build -o web/modeltest.wasm ./wasm/modeltest
	cp "$(WASMEXEC)" web/wasm_exec.js

test-native:                            ## pure-Go twins, and every kernel on the native adapter
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /kerneltest$$)
	$(GO) test -count=1 -v ./model/gpu/kerneltest | grep -v '^=== RUN' | sed 's/^    kerneltest_test.go:[0-9]*: //'

test-browser:                           ## kernels and reference sets compiled to wasm, in headless Chromium on SwiftShader
	node web/test/browser-test.mjs web/kerneltest.html 1200
	node web/test/browser-test.mjs web/modeltest.html 1200

bench:                                  ## kernel timings as JSON lines, beside the pure-Go twins
	$(GO) run ./server bench

data:                                   ## the image–text dataset from registry packages (about 25 min, 0.8 GB)
	$(GO) run ./server data -out $(DATA_DIR)
