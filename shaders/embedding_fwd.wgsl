// embedding_fwd: row i of out (n, c) is row ids[i] + offset of table (v, c).
// Token embeddings use offset 0; learned positions use ids = positions, with
// offset 2 for OPT. A row outside the table writes zeros: WGSL cannot raise
// an error, and zeros are easier to notice than a silently clamped row. The
// Go op validates ids when it uploads them.
// Twin: cpu.EmbeddingForward(out, ids, table, n, v, c, offset).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;

struct Params {
    n: u32, // ids
    v: u32, // table rows
    c: u32, // columns
    offset: u32,
    stride: u32, // threads per row of the dispatch grid (x groups × 256)
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n * p.c) {
        return;
    }
    let tok = i / p.c;
    let col = i - tok * p.c;
    let row = ids[tok] + p.offset;
    var v = 0.0;
    if (row < p.v) {
        v = table[row * p.c + col];
    }
    out[i] = v;
}
