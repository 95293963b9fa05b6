// maxrows_fwd: max over the middle axis. For x (a, q, c): out[i, k] =
// max_j x[i, j, k], arg[i, k] = the first j attaining it (u32), saved for
// the backward pass. ITC's similarity max over the 32 queries is this with
// the scores laid out (images, queries, texts); a max over the last axis of
// (a, q) is the case c = 1.
// Twin: cpu.MaxRowsForward(out, arg, x, a, q, c).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> arg: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

struct Params {
    a: u32,
    q: u32,
    c: u32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let o = gid.y * p.stride + gid.x; // output index i·c + k
    if (o >= p.a * p.c) {
        return;
    }
    let i = o / p.c;
    let k = o - i * p.c;
    let base = i * p.q * p.c + k;
    var best = x[base];
    var bj = 0u;
    for (var j = 1u; j < p.q; j++) {
        let v = x[base + j * p.c];
        if (v > best) {
            best = v;
            bj = j;
        }
    }
    out[o] = best;
    arg[o] = bj;
}
