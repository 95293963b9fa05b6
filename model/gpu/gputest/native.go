//go:build !(js && wasm)

package gputest

// The native backends: hal/allbackends does not exist under js/wasm, so
// only native builds register them, here.
import _ "github.com/gogpu/wgpu/hal/allbackends"
