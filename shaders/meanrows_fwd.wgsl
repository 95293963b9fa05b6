// meanrows_fwd: mean over the middle axis. For x (a, q, c): out[i, k] =
// (1/q)·Σ_j x[i, j, k] (ITM averages its 2-way logits over the queries).
// Twin: cpu.MeanRowsForward(out, x, a, q, c).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;

struct Params {
    a: u32,
    q: u32,
    c: u32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(2) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let o = gid.y * p.stride + gid.x;
    if (o >= p.a * p.c) {
        return;
    }
    let i = o / p.c;
    let k = o - i * p.c;
    let base = i * p.q * p.c + k;
    var s = 0.0;
    for (var j0 = 0u; j0 < p.q; j0 += BLOCK) {
        var b = 0.0;
        for (var j = j0; j < min(j0 + BLOCK, p.q); j++) {
            b += x[base + j * p.c];
        }
        s += b;
    }
    out[o] = s / f32(p.q);
}
