package train

import (
	"context"
	"runtime"
	"sort"
	"strings"
	"time"

	"blip2/shaders"
)

// Precompile builds, before the first step, every pipeline a training
// step can use, two at a time (gpu.Device.Precompile), on adapters that
// compile at first dispatch: CPU-class ones natively (lavapipe). Without
// it a fresh machine's first stage-1 step spent about 33 s compiling, one
// kernel after another on the driver's queue thread, against 9.8 s for a
// step (docs/profile). Elsewhere it does nothing: GPUs compile when the
// pipeline is created, and a browser tab's fine-tuning compiles what it
// needs as it goes. It returns how long it took and how many kernels it
// built.
func (s *GPUStepper) Precompile(ctx context.Context) (time.Duration, int, error) {
	if s.d.Info.Class != "cpu" || runtime.GOOS == "js" {
		return 0, 0, nil
	}
	start := time.Now()
	here, helper, err := s.d.Precompile(ctx, trainingKernels())
	return time.Since(start), here + helper, err
}

// trainingKernels are the kernels a CPU-class adapter's training step can
// dispatch (not the workgroup-tiled ones real GPUs take, nor the packed
// weights' ones, which inference alone uses), costliest first: measured
// cold on lavapipe, the register-blocked matmuls take 0.6–6 s, the fused
// attention 0.6–2.6 s, the cross-entropy and its mean 1–2 s, the rest at
// most 0.3 s each.
func trainingKernels() []string {
	rank := func(n string) int {
		switch {
		case strings.HasPrefix(n, "matmul_") && !strings.HasSuffix(n, "_bias"):
			return 0
		case strings.HasPrefix(n, "attention_") && n != "attention_bwd_delta":
			return 1
		case strings.HasPrefix(n, "crossentropy_") || strings.HasPrefix(n, "lossmean_"):
			return 2
		}
		return 3
	}
	var names []string
	for _, n := range shaders.Names() {
		if !strings.HasSuffix(n, "_tiled") && !strings.HasSuffix(n, "_q4") && !strings.HasSuffix(n, "_q8") {
			names = append(names, n)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	return names
}
