// act_bwd_tex: act_bwd with dy and x read through rgba32float textures (one
// texture row per row, four columns to a texel; model/gpu copies both in
// just before the dispatch), for the reason act_fwd_tex gives. One
// invocation per texel; dx = dy · f'(x) four values at a time, with
// act_bwd's derivatives (lib/act.wgsl).
// Twin: cpu.ActBackward(dx, dy, x, n, op).

@group(0) @binding(0) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(1) var dy: texture_2d<f32>;
@group(0) @binding(2) var x: texture_2d<f32>;

// #import act_tex_params
@group(0) @binding(3) var<uniform> p: Params;

// #import erf
// #import act

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.texels) {
        return;
    }
    let at = vec2<u32>(i % p.width, i / p.width);
    let v = textureLoad(x, at, 0);
    let g = vec4<f32>(actDerivative(p.op, v.x), actDerivative(p.op, v.y), actDerivative(p.op, v.z), actDerivative(p.op, v.w));
    dx[i] = textureLoad(dy, at, 0) * g;
}
