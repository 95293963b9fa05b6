//go:build !(js && wasm)

package gpu

import (
	"context"
	"strings"
	"testing"

	_ "github.com/gogpu/wgpu/hal/allbackends"
)

func openTest(t *testing.T) *Device {
	t.Helper()
	d, err := Open(context.Background())
	if err != nil {
		t.Fatalf("no usable GPU adapter: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

func TestOpenRefusesSoftwareRendererAndReportsAdapter(t *testing.T) {
	d := openTest(t)
	if d.IsSoftware() {
		t.Fatalf("opened gogpu's software rasteriser without %s=1", AllowSoftwareEnv)
	}
	if d.Info.Name == "" || d.Info.MaxStorageBinding == 0 || d.Info.MaxWorkgroupsPerDim == 0 {
		t.Errorf("incomplete adapter info: %+v", d.Info)
	}
}

func TestShapeContractViolationIsStickyAndNamed(t *testing.T) {
	d := openTest(t)
	a, b := d.Upload(make([]float32, 6), 2, 3), d.Upload(make([]float32, 4), 4)
	out := d.Add(a, b)
	if err := d.Err(); err == nil || !strings.Contains(err.Error(), "add") || !strings.Contains(err.Error(), "[2 3]") {
		t.Fatalf("want an error naming the op and shapes, got %v", err)
	}
	if _, err := out.Read(); err == nil {
		t.Fatal("read after a failed op must return the kept error")
	}
}

func TestTensorOverBindingLimitIsRefused(t *testing.T) {
	d := openTest(t)
	rows := int(d.Info.MaxStorageBinding/4/1024) + 1
	d.Scratch(rows, 1024)
	if err := d.Err(); err == nil || !strings.Contains(err.Error(), "maxStorageBufferBindingSize") {
		t.Fatalf("want a binding-limit error, got %v", err)
	}
}

func TestReadOfReleasedTensorFails(t *testing.T) {
	d := openTest(t)
	x := d.Upload([]float32{1, 2, 3}, 3)
	x.Release()
	if _, err := x.Read(); err == nil || !strings.Contains(err.Error(), "released") {
		t.Fatalf("got %v", err)
	}
}

func TestDispatchChecksBufferCount(t *testing.T) {
	d := openTest(t)
	x := d.Upload([]float32{1}, 1)
	d.Dispatch("add_fwd", [3]uint32{1, 1, 1}, broadcastParams{N: 1, BN: 1, Stride: 256}, x, x)
	if err := d.Err(); err == nil || !strings.Contains(err.Error(), "takes 3 buffers, got 2") {
		t.Fatalf("got %v", err)
	}
}

func TestDependentDispatchesInOneBatchSeeEachOthersWrites(t *testing.T) {
	d := openTest(t)
	x := d.Upload([]float32{1, 2, 3, 4, 5}, 5)
	y := x
	for i := 0; i < 50; i++ { // 50 chained launches, one submit
		y = d.Add(y, x)
	}
	got, err := y.Read()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if want := float32(51 * (i + 1)); v != want {
			t.Fatalf("[%d] = %v, want %v", i, v, want)
		}
	}
}

func TestUploadAfterRecordedWorkKeepsOrder(t *testing.T) {
	d := openTest(t)
	x := d.Upload([]float32{1, 1}, 2)
	y := d.Add(x, x) // recorded, not submitted
	x.Write([]float32{10, 10})
	z := d.Add(x, y)
	got, err := z.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 12 || got[1] != 12 {
		t.Fatalf("got %v, want [12 12]: a write overtook recorded work", got)
	}
}

func TestGroups1DCoversLargeCounts(t *testing.T) {
	for _, n := range []int{1, 255, 256, 257, 65535 * 256, 65535*256 + 1, 40_000_000} {
		g, stride := Groups1D(n, 256)
		if g[0] > 65535 || g[1] > 65535 {
			t.Errorf("n=%d: %v exceeds 65535 per dimension", n, g)
		}
		if total := int(g[1]) * int(stride); total < n {
			t.Errorf("n=%d: grid %v × stride %d covers only %d", n, g, stride, total)
		}
	}
}

func TestReusedBufferIsNotOverwrittenBeforeRecordedReads(t *testing.T) {
	d := openTest(t)
	x := d.Upload([]float32{1, 1}, 2)
	y := d.Add(x, x) // reads x; recorded, not submitted
	x.Release()
	z := d.Upload([]float32{5, 5}, 2) // the pool hands out x's buffer again
	got, err := y.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 2 || got[1] != 2 {
		t.Fatalf("got %v, want [2 2]: an upload into a reused buffer overtook recorded work", got)
	}
	z.Release()
}

func TestRecoverDropsTheFailedBatchAndContinues(t *testing.T) {
	d := openTest(t)
	a := d.Upload([]float32{1, 2}, 2)
	d.Add(a, d.Upload([]float32{1, 2, 3}, 3)) // violates the broadcast contract
	if err := d.Recover(); err == nil {
		t.Fatal("Recover returned no error after a failed op")
	}
	if d.Err() != nil {
		t.Fatalf("error kept after Recover: %v", d.Err())
	}
	got, err := d.Add(a, a).Read()
	if err != nil || got[0] != 2 || got[1] != 4 {
		t.Fatalf("after Recover: %v, %v", got, err)
	}
}
