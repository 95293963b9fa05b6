// Package gpu runs the kernels of package shaders through gogpu/wgpu. The
// same source serves the browser (WebGPU through navigator.gpu) and native
// builds (Vulkan, Metal, DX12, or Mesa lavapipe on machines with no GPU);
// native mains register the backends by importing hal/allbackends.
//
// Work is recorded into one command encoder and submitted by Flush, or by a
// Read, the only call that waits for the GPU. Errors are sticky, as with
// bufio.Writer: the first failure (a violated shape contract, an exceeded
// limit, a lost device) is kept and returned by Err, Flush and Read, and
// every later call is a no-op.
package gpu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"
)

// Info describes the adapter a Device runs on.
type Info struct {
	Name       string `json:"name"`
	Backend    string `json:"backend"`
	DeviceType string `json:"device_type"`
	Driver     string `json:"driver,omitempty"`
	// Class picks kernel variants: "cpu" for software rasterisers such as
	// lavapipe and SwiftShader, where register blocking wins, "gpu" otherwise.
	Class                 string `json:"class"`
	MaxStorageBinding     uint64 `json:"max_storage_binding"`
	MaxBufferSize         uint64 `json:"max_buffer_size"`
	MaxWorkgroupBytes     uint32 `json:"max_workgroup_bytes"`
	MaxInvocations        uint32 `json:"max_invocations"`
	MaxWorkgroupsPerDim   uint32 `json:"max_workgroups_per_dim"`
	MaxStorageBuffersPerS uint32 `json:"max_storage_buffers_per_stage"`
	MaxTexture2D          uint32 `json:"max_texture_2d"`
}

func (i Info) String() string {
	return fmt.Sprintf("%s (%s, %s)", i.Name, i.Backend, i.DeviceType)
}

// softwareName is gogpu's pure-Go rasteriser. It ignores workgroupBarrier, so
// every reduction through workgroup memory comes out wrong on it.
const softwareName = "Software Renderer"

// AllowSoftwareEnv opts into gogpu's software rasteriser for plumbing tests.
const AllowSoftwareEnv = "BLIP2_ALLOW_SOFTWARE"

// Device is an open GPU device plus the runtime state of this package.
type Device struct {
	Info Info

	instance *wgpu.Instance
	adapter  *wgpu.Adapter
	dev      *wgpu.Device
	queue    *wgpu.Queue

	pipelines map[string]*pipeline
	pool      pool
	textures  textures
	batch     batch
	err       error
	stats     Counters
	prof      *profile // set between StartProfile and StopProfile
}

// Open creates a device on the best adapter: a hardware GPU first, then a
// conformant CPU implementation (lavapipe natively, SwiftShader in
// Chromium). gogpu's own software rasteriser is refused unless
// BLIP2_ALLOW_SOFTWARE=1, because it computes reductions wrongly.
func Open(ctx context.Context) (*Device, error) {
	inst, err := wgpu.CreateInstance(nil)
	if err != nil {
		return nil, fmt.Errorf("gpu: create instance: %w", err)
	}
	ad, err := inst.RequestAdapter(&wgpu.RequestAdapterOptions{PowerPreference: wgpu.PowerPreferenceHighPerformance})
	if err != nil {
		inst.Release()
		return nil, fmt.Errorf("gpu: no WebGPU adapter: %w (natively, install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers; in a browser, enable WebGPU)", err)
	}
	info := describe(ad)
	if info.Name == softwareName && os.Getenv(AllowSoftwareEnv) != "1" {
		ad.Release()
		inst.Release()
		return nil, fmt.Errorf("gpu: only gogpu's %q adapter was found; it ignores workgroupBarrier and computes reductions wrongly. Install a Vulkan driver (Debian: mesa-vulkan-drivers, for lavapipe) or set %s=1 for plumbing tests only", softwareName, AllowSoftwareEnv)
	}
	// Ask for the adapter's own limits: the defaults cap storage bindings at
	// 128 MiB, which the larger frozen encoders exceed.
	dev, err := ad.RequestDevice(&wgpu.DeviceDescriptor{Label: "blip2", RequiredLimits: ad.Limits()})
	if err != nil {
		ad.Release()
		inst.Release()
		return nil, fmt.Errorf("gpu: request device on %s: %w", info, err)
	}
	d := &Device{Info: info, instance: inst, adapter: ad, dev: dev, queue: dev.Queue(), pipelines: map[string]*pipeline{},
		stats: Counters{Dispatches: map[string]int{}}}
	d.pool.dev = d
	return d, nil
}

func describe(ad *wgpu.Adapter) Info {
	ai, lim := ad.Info(), ad.Limits()
	info := Info{
		Name:                  ai.Name,
		Backend:               ai.Backend.String(),
		DeviceType:            ai.DeviceType.String(),
		Driver:                strings.TrimSpace(ai.Driver + " " + ai.DriverInfo),
		Class:                 "gpu",
		MaxStorageBinding:     lim.MaxStorageBufferBindingSize,
		MaxBufferSize:         lim.MaxBufferSize,
		MaxWorkgroupBytes:     lim.MaxComputeWorkgroupStorageSize,
		MaxInvocations:        lim.MaxComputeInvocationsPerWorkgroup,
		MaxWorkgroupsPerDim:   lim.MaxComputeWorkgroupsPerDimension,
		MaxStorageBuffersPerS: lim.MaxStorageBuffersPerShaderStage,
		MaxTexture2D:          lim.MaxTextureDimension2D,
	}
	name := strings.ToLower(ai.Name)
	if ai.DeviceType == gputypes.DeviceTypeCPU || strings.Contains(name, "llvmpipe") ||
		strings.Contains(name, "swiftshader") || strings.Contains(name, "lavapipe") {
		info.Class = "cpu"
	}
	return info
}

// IsSoftware reports whether the device is gogpu's software rasteriser.
func (d *Device) IsSoftware() bool { return d.Info.Name == softwareName }

// Err returns the first error recorded on the device, if any.
func (d *Device) Err() error { return d.err }

// fail records err unless an earlier error is already kept.
func (d *Device) fail(err error) {
	if d.err == nil && err != nil {
		d.err = err
	}
}

// failf records a formatted contract violation.
func (d *Device) failf(format string, args ...any) {
	d.fail(fmt.Errorf("gpu: "+format, args...))
}

// Recover returns the kept error, if any, and makes the device usable
// again: work recorded since the last submit is dropped unsubmitted, since a
// failed op may have recorded only part of its kernels. A lost device does
// not recover; reopen it.
func (d *Device) Recover() error {
	err := d.err
	if err == nil || errors.Is(err, ErrDeviceLost) || d.dev == nil {
		return err
	}
	if d.batch.pass != nil {
		_ = d.batch.pass.End()
		d.batch.pass = nil
	}
	if d.batch.enc != nil {
		d.batch.enc.DiscardEncoding()
		d.batch.enc = nil
	}
	d.batch.used = 0
	clear(d.batch.bufs)
	for i := range d.batch.staged {
		d.batch.staged[i] = d.batch.staged[i][:0]
	}
	d.err = nil
	return err
}

// ErrDeviceLost is wrapped by every error caused by a lost device.
var ErrDeviceLost = errors.New("gpu: device lost")

// wrapGPU turns a wgpu error into one that says which call failed, and marks
// a lost device so callers can reopen.
func wrapGPU(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, wgpu.ErrDeviceLost) {
		return fmt.Errorf("%w during %s: %v", ErrDeviceLost, what, err)
	}
	return fmt.Errorf("gpu: %s: %w", what, err)
}

// Close releases every GPU object. The device is unusable afterwards.
func (d *Device) Close() {
	if d.dev == nil {
		return
	}
	_ = d.Flush()
	_ = d.dev.WaitIdle() // nothing may still be running on what is released below
	d.batch.releaseAll()
	for _, p := range d.pipelines {
		p.release()
	}
	d.pool.releaseAll()
	d.textures.releaseAll()
	d.dev.Release()
	d.adapter.Release()
	d.instance.Release()
	d.dev = nil
	d.fail(errors.New("gpu: device closed"))
}

// Wait blocks until all submitted work has finished.
func (d *Device) Wait(ctx context.Context) error {
	t := d.Scratch(1)
	_, err := t.ReadCtx(ctx)
	t.Release()
	return err
}

// Describe replaces the adapter name and class where the platform knows
// better than the backend (the browser backend reports no adapter details).
func (d *Device) Describe(name string, cpuClass bool) {
	if name != "" {
		d.Info.Name = name
	}
	if cpuClass {
		d.Info.Class = "cpu"
	}
}
