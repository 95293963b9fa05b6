package kerneltest

import (
	"testing"

	"blip2/model/gpu/gputest"
)

// BenchmarkKernels runs every registered kernel benchmark on the device, as
// `go test -bench . ./model/gpu/kerneltest`. `go run ./server bench` prints
// the same figures as JSON beside the pure-Go twin's.
func BenchmarkKernels(b *testing.B) {
	d := gputest.Open(b)
	for _, bc := range Benches() {
		b.Run(bc.Kernel+"/"+bc.Shape, func(b *testing.B) {
			launch, cleanup := bc.Setup(d, newRand())
			defer cleanup()
			launch()
			if err := d.Wait(ctxBackground()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				launch()
				if err := d.Wait(ctxBackground()); err != nil {
					b.Fatal(err)
				}
			}
			if bc.Flops > 0 {
				b.ReportMetric(bc.Flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			}
			if bc.Bytes > 0 {
				b.ReportMetric(bc.Bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			}
		})
	}
}
