//go:build js && wasm

// Command kerneltest runs the kernel parity suite in a browser: every WGSL
// file is compiled by the browser's own compiler (Tint in Chromium), then
// the browser-sized cases of model/gpu/kerneltest run against their pure-Go
// twins. web/kerneltest.html loads it; web/test/browser-test.mjs drives it
// in headless Chromium and reads the verdict from the page.
package main

import (
	"context"

	"blip2/model/gpu"
	"blip2/model/gpu/kerneltest"
	"blip2/shaders"
	"blip2/wasm/jsutil"
	"blip2/wasm/testpage"
)

func main() { testpage.Run(run) }

// run returns the number of failures. It blocks on GPU readbacks, which is
// allowed here: this is the main goroutine, not a JS callback.
func run(say testpage.Say) (failed int) {
	d, err := gpu.Open(context.Background())
	if err != nil {
		say("FAIL no WebGPU adapter: %v", err)
		return 1
	}
	defer d.Close()
	d.Describe(jsutil.AdapterInfo())
	say("adapter: %s, class %s", d.Info, d.Info.Class)
	sources := map[string]string{}
	for _, name := range shaders.Names() {
		k, err := shaders.Get(name)
		if err != nil {
			say("FAIL %v", err)
			return failed + 1
		}
		sources[name] = k.Source
	}
	errs, err := jsutil.CompileErrors(sources)
	if err != nil {
		say("FAIL compiling with the browser: %v", err)
		return failed + 1
	}
	for _, name := range shaders.Names() {
		if e, bad := errs[name]; bad {
			say("FAIL compile %s: %s", name, e)
			failed++
		}
	}
	say("compiled %d kernels with the browser's WGSL compiler, %d failed", len(sources), len(errs))
	cases := kerneltest.Cases(true)
	for _, c := range cases {
		r := kerneltest.Run(d, c)
		say("%s", r)
		if !r.OK() {
			failed++
		}
	}
	passed := len(cases) - failed
	say("%d passed, %d failed", passed, failed)
	return failed
}
