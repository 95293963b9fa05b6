// act_fwd_tex: act_fwd with x read through an rgba32float texture, for
// lavapipe: x's rows become texture rows, four columns to a texel (model/gpu
// copies x in just before the dispatch and checks that its rows are of a
// multiple of 64, which WebGPU's copies need). One invocation per texel;
// out is written four values at a time. The functions and p.op are those
// of act_fwd (lib/act.wgsl).
// Twin: cpu.ActForward(out, x, n, op).
//
// Why: lavapipe turns each storage-buffer load into a loop over the SIMD
// lanes, and a texel fetch is one load of four values per lane: at the
// ViT's 1,088 × 512 GELU this ran in about half act_fwd's time, the copy
// included (docs/kernels-norms.md).

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var x: texture_2d<f32>;

// #import act_tex_params
@group(0) @binding(2) var<uniform> p: Params;

// #import erf
// #import act

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.texels) {
        return;
    }
    let v = textureLoad(x, vec2<u32>(i % p.width, i / p.width), 0);
    out[i] = vec4<f32>(actForward(p.op, v.x), actForward(p.op, v.y), actForward(p.op, v.z), actForward(p.op, v.w));
}
