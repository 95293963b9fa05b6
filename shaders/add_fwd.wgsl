// add_fwd: out = a + b, with b broadcast: b has `bn` elements and is read at
// index i % bn (bn == n for a plain add; bn == cols to add a row vector).
// Twin: cpu.AddForward(out, a, b, n, bn).

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
    out[i] = a[i] + b[i % p.bn];
}
