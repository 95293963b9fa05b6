// mul_fwd: out = a·b, with b broadcast as in add_fwd: b has `bn` elements and
// is read at index i % bn (bn == n for an elementwise product; bn == cols to
// scale every row by a vector).
// Twin: cpu.MulForward(out, a, b, n, bn).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

struct Params {
    n: u32,
    bn: u32,
    stride: u32, // threads per row of the dispatch grid (x groups × 256)
    _pad: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n) {
        return;
    }
    out[i] = a[i] * b[i % p.bn];
}
