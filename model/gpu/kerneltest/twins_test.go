package kerneltest

import (
	"testing"

	"blip2/shaders"
)

// cpuFuncs lists the exported functions of model/cpu.
func cpuFuncs(t *testing.T) []string {
	t.Helper()
	names, err := ExportedFuncs("../../cpu")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestEveryKernelHasANamedTwin checks the naming rule: kernel add_fwd has
// twin cpu.AddForward (a variant may share its base kernel's twin).
func TestEveryKernelHasANamedTwin(t *testing.T) {
	funcs := cpuFuncs(t)
	for _, k := range shaders.Names() {
		if FindTwin(k, funcs) == "" {
			t.Errorf("kernel %s has no twin in model/cpu (want a function named like %q)", k, TwinKey(k))
		}
	}
}

func TestTwinNaming(t *testing.T) {
	funcs := []string{"LayerNormForward", "LayerNormBackwardInput", "MatMulForward", "AddForward"}
	for kernel, want := range map[string]string{
		"layernorm_fwd":       "LayerNormForward",
		"layernorm_bwd_input": "LayerNormBackwardInput",
		"matmul_fwd_tiled":    "MatMulForward",
		"add_fwd":             "AddForward",
		"softmax_fwd":         "",
	} {
		if got := FindTwin(kernel, funcs); got != want {
			t.Errorf("FindTwin(%s) = %q, want %q", kernel, got, want)
		}
	}
}
