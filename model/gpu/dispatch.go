package gpu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"

	"blip2/shaders"
)

// pipeline is a compiled kernel with its bind group layout.
type pipeline struct {
	k      *shaders.Kernel
	module *wgpu.ShaderModule
	bgl    *wgpu.BindGroupLayout
	layout *wgpu.PipelineLayout
	pipe   *wgpu.ComputePipeline
	// bufBind and texBind are the binding indices of the kernel's buffer
	// and texture arguments, in order (the uniform p excluded).
	bufBind, texBind []int
}

func (p *pipeline) release() {
	p.pipe.Release()
	p.layout.Release()
	p.bgl.Release()
	p.module.Release()
}

// Compile builds the pipeline of a kernel now instead of at its first
// dispatch, so a shader that one compiler rejects is reported by name.
func (d *Device) Compile(name string) error {
	_, err := d.pipelineFor(name)
	return err
}

func (d *Device) pipelineFor(name string) (*pipeline, error) {
	if p, ok := d.pipelines[name]; ok {
		return p, nil
	}
	k, err := shaders.Get(name)
	if err != nil {
		return nil, err
	}
	if lim := d.Info.MaxWorkgroupBytes; lim > 0 && uint32(k.WorkgroupBytes) > lim {
		return nil, fmt.Errorf("gpu: kernel %s needs %d bytes of workgroup memory; this adapter allows %d", name, k.WorkgroupBytes, lim)
	}
	if inv := k.Workgroup[0] * k.Workgroup[1] * k.Workgroup[2]; d.Info.MaxInvocations > 0 && inv > d.Info.MaxInvocations {
		return nil, fmt.Errorf("gpu: kernel %s has %d invocations per workgroup; this adapter allows %d", name, inv, d.Info.MaxInvocations)
	}
	p := &pipeline{k: k}
	for i, b := range k.Bindings[:len(k.Bindings)-1] {
		if b.Access == shaders.Texture {
			p.texBind = append(p.texBind, i)
		} else {
			p.bufBind = append(p.bufBind, i)
		}
	}
	if p.module, err = d.dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{Label: name, WGSL: k.Source}); err != nil {
		return nil, wrapGPU("compile "+name, err)
	}
	entries := make([]wgpu.BindGroupLayoutEntry, len(k.Bindings))
	for i, b := range k.Bindings {
		if b.Access == shaders.Texture {
			entries[i] = wgpu.BindGroupLayoutEntry{Binding: uint32(i), Visibility: wgpu.ShaderStageCompute,
				Texture: &gputypes.TextureBindingLayout{SampleType: gputypes.TextureSampleTypeUnfilterableFloat, ViewDimension: gputypes.TextureViewDimension2D}}
			continue
		}
		t := gputypes.BufferBindingTypeStorage
		switch b.Access {
		case shaders.Read:
			t = gputypes.BufferBindingTypeReadOnlyStorage
		case shaders.Uniform:
			t = gputypes.BufferBindingTypeUniform
		}
		entries[i] = wgpu.BindGroupLayoutEntry{Binding: uint32(i), Visibility: wgpu.ShaderStageCompute, Buffer: &gputypes.BufferBindingLayout{Type: t}}
	}
	if p.bgl, err = d.dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: name, Entries: entries}); err != nil {
		return nil, wrapGPU("bind group layout "+name, err)
	}
	if p.layout, err = d.dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{Label: name, BindGroupLayouts: []*wgpu.BindGroupLayout{p.bgl}}); err != nil {
		return nil, wrapGPU("pipeline layout "+name, err)
	}
	if p.pipe, err = d.dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{Label: name, Layout: p.layout, Module: p.module, EntryPoint: "main"}); err != nil {
		return nil, wrapGPU("compute pipeline "+name, err)
	}
	d.pipelines[name] = p
	return p, nil
}

// Dispatch records one run of kernel `name` over `groups` workgroups.
// params is a struct of 32-bit fields mirroring the WGSL Params struct; bufs
// are bound in order, ahead of the uniform. Kernels that also read textures
// are dispatched by their Go op (see MatMulNT). Errors are kept on the
// device.
func (d *Device) Dispatch(name string, groups [3]uint32, params any, bufs ...*Tensor) {
	d.dispatch(name, groups, params, bufs, nil)
}

// dispatch records kernel `name` with bufs bound, in order, to its buffer
// bindings and texs to its texture bindings.
func (d *Device) dispatch(name string, groups [3]uint32, params any, bufs []*Tensor, texs []*wgpu.TextureView) {
	if d.err != nil {
		return
	}
	start := time.Now()
	defer func() { d.stats.Record += time.Since(start) }()
	if d.prof != nil {
		d.profileBefore()
	}
	p, err := d.pipelineFor(name)
	if err != nil {
		d.fail(err)
		return
	}
	bound, bufBind, texBind := p.k.Bindings[:len(p.k.Bindings)-1], p.bufBind, p.texBind
	if len(bufs) != len(bufBind) || len(texs) != len(texBind) {
		if len(texBind) == 0 && len(texs) == 0 {
			d.failf("kernel %s takes %d buffers, got %d", name, len(bufBind), len(bufs))
		} else {
			d.failf("kernel %s takes %d buffers and %d textures, got %d and %d", name, len(bufBind), len(texBind), len(bufs), len(texs))
		}
		return
	}
	lim := d.Info.MaxWorkgroupsPerDim
	for _, g := range groups {
		if lim > 0 && g > lim {
			d.failf("kernel %s: %v workgroups exceeds the adapter's %d per dimension", name, groups, lim)
			return
		}
	}
	// WebGPU forbids binding one buffer as writable storage and again in the
	// same dispatch; native backends do not check, so check here.
	for i, t := range bufs {
		for j := i + 1; j < len(bufs); j++ {
			bi, bj := bound[bufBind[i]], bound[bufBind[j]]
			if t != nil && bufs[j] != nil && t.buf == bufs[j].buf && t.buf != nil &&
				(bi.Access == shaders.ReadWrite || bj.Access == shaders.ReadWrite) {
				d.failf("kernel %s: %s and %s are the same buffer, and one is written (a tensor used after Release?)", name, bi.Name, bj.Name)
				return
			}
		}
	}
	var pb bytes.Buffer
	if err := binary.Write(&pb, binary.LittleEndian, params); err != nil {
		d.failf("kernel %s: params %T: %v", name, params, err)
		return
	}
	entries := make([]wgpu.BindGroupEntry, 0, len(bound)+1)
	for i, t := range bufs {
		if t == nil || t.buf == nil {
			d.failf("kernel %s: buffer %s is nil or released", name, bound[bufBind[i]].Name)
			return
		}
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(bufBind[i]), Buffer: t.buf, Size: max(t.bytes(), 4)})
		d.batch.use(t.buf)
	}
	for i, v := range texs {
		if v == nil {
			d.failf("kernel %s: texture %s is nil", name, bound[texBind[i]].Name)
			return
		}
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(texBind[i]), TextureView: v})
	}
	ubuf, off := d.batch.params(d, pb.Bytes())
	if d.err != nil {
		return
	}
	entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(len(bound)), Buffer: ubuf, Offset: off, Size: paramSlot})
	bg, err := d.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: name, Layout: p.bgl, Entries: entries})
	if err != nil {
		d.fail(wrapGPU("bind group "+name, err))
		return
	}
	d.batch.retired = append(d.batch.retired, bg)
	pass := d.batch.computePass(d)
	if pass == nil {
		return
	}
	pass.SetPipeline(p.pipe)
	pass.SetBindGroup(0, bg, nil)
	pass.Dispatch(groups[0], groups[1], groups[2])
	d.batch.dispatches++
	d.stats.Dispatches[name]++
	if d.prof != nil {
		d.profileDispatch(name)
	}
}

// Flush submits everything recorded so far without waiting for it.
func (d *Device) Flush() error {
	if d.err != nil {
		return d.err
	}
	d.fail(d.batch.submit(d))
	return d.err
}

// Dispatches counts the kernel launches recorded since the device opened.
func (d *Device) Dispatches() int { return d.batch.dispatches }

// Groups1D spreads n threads of a 1-D kernel with `wg` threads per workgroup
// over x and y, since one dimension holds at most 65535 workgroups. Kernels
// launched this way index `gid.y * stride + gid.x`; the stride returned is
// the number of threads in one row of the grid.
func Groups1D(n, wg int) (groups [3]uint32, stride uint32) {
	g := (n + wg - 1) / wg
	if g == 0 {
		g = 1
	}
	x, y := g, 1
	if g > 65535 {
		x = 65535
		y = (g + x - 1) / x
	}
	return [3]uint32{uint32(x), uint32(y), 1}, uint32(x * wg)
}
