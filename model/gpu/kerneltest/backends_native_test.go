//go:build !(js && wasm)

package kerneltest

// Native tests register the gogpu backends here; library code never does,
// because hal/allbackends does not exist under js/wasm.
import _ "github.com/gogpu/wgpu/hal/allbackends"
