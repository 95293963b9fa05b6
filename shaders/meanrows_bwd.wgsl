// meanrows_bwd: dx[i, j, k] = dy[i, k] / q.
// Twin: cpu.MeanRowsBackward(dx, dy, a, q, c).

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;

struct Params {
    a: u32,
    q: u32,
    c: u32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let e = gid.y * p.stride + gid.x;
    if (e >= p.a * p.q * p.c) {
        return;
    }
    let k = e % p.c;
    let i = e / (p.q * p.c);
    dx[e] = dy[i * p.c + k] / f32(p.q);
}
