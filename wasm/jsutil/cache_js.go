//go:build js && wasm

package jsutil

import "syscall/js"

// Cache is one store of the browser's Cache API, or none (a browser or an
// origin without one, or an empty name): then every Get misses and Put
// and Delete do nothing, and the page works without keeping anything.
type Cache struct{ c js.Value }

// OpenCache opens the store called name.
func OpenCache(name string) Cache {
	caches := js.Global().Get("caches")
	if name == "" || !caches.Truthy() {
		return Cache{}
	}
	c, err := Await(caches.Call("open", name))
	if err != nil {
		return Cache{} // e.g. an opaque origin
	}
	return Cache{c}
}

// Get returns the bytes stored under key.
func (c Cache) Get(key string) ([]byte, bool) {
	if !c.c.Truthy() {
		return nil, false
	}
	resp, err := Await(c.c.Call("match", key))
	if err != nil || !resp.Truthy() {
		return nil, false
	}
	b, err := BlobBytes(resp)
	return b, err == nil
}

// Put stores b under key; failing (a full quota) is not an error.
func (c Cache) Put(key string, b []byte) {
	if c.c.Truthy() {
		resp := js.Global().Get("Response").New(BytesToJS(b), map[string]any{"headers": map[string]any{"Content-Type": "application/octet-stream"}})
		Await(c.c.Call("put", key, resp))
	}
}

// Delete removes key.
func (c Cache) Delete(key string) {
	if c.c.Truthy() {
		Await(c.c.Call("delete", key))
	}
}

// BytesFromJS copies a Uint8Array into Go.
func BytesFromJS(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// BytesToJS copies b into a new Uint8Array.
func BytesToJS(b []byte) js.Value {
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	return arr
}
