// maxrows_bwd: dx (a, q, c) = dy[i, k] where j == arg[i, k], else 0: the
// gradient of a max flows only to the element that won. Every element of
// dx is written, so it needs no clearing.
// Twin: cpu.MaxRowsBackward(dx, dy, arg, a, q, c).

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> arg: array<u32>;

struct Params {
    a: u32,
    q: u32,
    c: u32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let e = gid.y * p.stride + gid.x; // (i·q + j)·c + k
    if (e >= p.a * p.q * p.c) {
        return;
    }
    let k = e % p.c;
    let ij = e / p.c;
    let i = ij / p.q;
    let j = ij - i * p.q;
    let o = i * p.c + k;
    dx[e] = select(0.0, dy[o], arg[o] == j);
}
