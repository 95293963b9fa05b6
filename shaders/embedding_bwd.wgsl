// embedding_bwd: dtable[ids[i] + offset, :] += dy[i, :] for every i, in
// increasing i, skipping rows outside the table. dtable (v, c) is
// accumulated into: clear it first for a fresh gradient.
// Twin: cpu.EmbeddingBackward(dtable, dy, ids, n, v, c, offset).
//
// Deterministic without atomics: invocation (col, part) owns column `col` of
// the table rows [part·rows_per_part, (part+1)·rows_per_part) and scans all
// n ids in order, so each sum is formed in the same order as the twin's.
// n is small (tokens per step), so the n·c·parts comparisons are cheap;
// parts > 1 only adds parallelism when c alone gives too few invocations.

@group(0) @binding(0) var<storage, read_write> dtable: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;

struct Params {
    n: u32,
    v: u32,
    c: u32,
    offset: u32,
    rows_per_part: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col = gid.x;
    if (col >= p.c) {
        return;
    }
    let lo = gid.y * p.rows_per_part;
    let hi = min(lo + p.rows_per_part, p.v);
    for (var i = 0u; i < p.n; i++) {
        let row = ids[i] + p.offset;
        if (row >= lo && row < hi) {
            dtable[row * p.c + col] += dy[i * p.c + col];
        }
    }
}
