//go:build js && wasm

// Package jsutil is the small seam between Go and the browser that the wasm
// mains share: awaiting Promises and reading what WebGPU says about the
// adapter. Await blocks, so call it from main or a goroutine, never from
// inside a js.FuncOf callback.
package jsutil

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall/js"
)

// Await waits for a Promise and returns its value or its rejection.
func Await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var ok, fail js.Func
	ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ok.Release()
		fail.Release()
		ch <- result{v: arg0(args)}
		return nil
	})
	fail = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ok.Release()
		fail.Release()
		msg := "promise rejected"
		if a := arg0(args); a.Truthy() {
			msg = a.Call("toString").String()
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	p.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// AdapterInfo asks WebGPU for the adapter's vendor, architecture and
// description (gogpu's browser backend reports only "WebGPU Adapter"), and
// whether it is a CPU implementation such as SwiftShader.
func AdapterInfo() (name string, cpu bool) {
	gpu := js.Global().Get("navigator").Get("gpu")
	if !gpu.Truthy() {
		return "", false
	}
	ad, err := Await(gpu.Call("requestAdapter", map[string]any{"powerPreference": "high-performance"}))
	if err != nil || !ad.Truthy() || !ad.Get("info").Truthy() {
		return "", false
	}
	info := ad.Get("info")
	var parts []string
	for _, k := range []string{"vendor", "architecture", "description"} {
		if v := info.Get(k); v.Type() == js.TypeString && v.String() != "" {
			parts = append(parts, v.String())
		}
	}
	name = strings.Join(parts, " ")
	low := strings.ToLower(name)
	return name, strings.Contains(low, "swiftshader") || strings.Contains(low, "llvmpipe") || info.Get("isFallbackAdapter").Truthy()
}

// Fetch GETs a URL and returns its body, or an error naming the status.
func Fetch(url string) ([]byte, error) {
	resp, err := Await(js.Global().Call("fetch", url))
	if err != nil {
		return nil, err
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("%s: HTTP %d", url, resp.Get("status").Int())
	}
	return BlobBytes(resp)
}

// BlobBytes reads a Blob, a File or a Response into Go bytes (each has
// arrayBuffer()).
func BlobBytes(b js.Value) ([]byte, error) {
	buf, err := Await(b.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return BytesFromJS(js.Global().Get("Uint8Array").New(buf)), nil
}

// Query is a parameter of this document's URL (or, in a worker, of the
// worker script's).
func Query(name string) string {
	u, err := url.Parse(js.Global().Get("location").Get("href").String())
	if err != nil {
		return ""
	}
	return u.Query().Get(name)
}

// CompileErrors compiles WGSL sources with the browser's own compiler on a
// device of its own and returns the error messages per source name. The
// Go WebGPU backend reports no shader errors in browsers (their validation
// is asynchronous), so this is how a test learns which kernel failed.
func CompileErrors(sources map[string]string) (map[string]string, error) {
	gpu := js.Global().Get("navigator").Get("gpu")
	if !gpu.Truthy() {
		return nil, errors.New("navigator.gpu is missing")
	}
	ad, err := Await(gpu.Call("requestAdapter"))
	if err != nil || !ad.Truthy() {
		return nil, errors.New("no WebGPU adapter")
	}
	dev, err := Await(ad.Call("requestDevice"))
	if err != nil {
		return nil, err
	}
	defer dev.Call("destroy")
	out := map[string]string{}
	for name, src := range sources {
		mod := dev.Call("createShaderModule", map[string]any{"code": src, "label": name})
		info, err := Await(mod.Call("getCompilationInfo"))
		if err != nil {
			out[name] = err.Error()
			continue
		}
		msgs := info.Get("messages")
		var errs []string
		for i := 0; i < msgs.Length(); i++ {
			m := msgs.Index(i)
			if m.Get("type").String() == "error" {
				errs = append(errs, fmt.Sprintf("%d:%d %s", m.Get("lineNum").Int(), m.Get("linePos").Int(), m.Get("message").String()))
			}
		}
		if len(errs) > 0 {
			out[name] = strings.Join(errs, "; ")
		}
	}
	return out, nil
}
