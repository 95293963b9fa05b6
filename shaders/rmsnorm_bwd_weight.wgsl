// rmsnorm_bwd_weight: dweight = Σ_rows dy·x·rstd.
// Twin: cpu.RMSNormBackwardWeight(dweight, dy, x, rstd, rows, cols).
//
// One invocation per column loops over the rows in order: deterministic,
// no atomics (as layernorm_bwd_weight).

@group(0) @binding(0) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(4) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.y * p.stride + gid.x;
    if (c >= p.cols) {
        return;
    }
    var s = 0.0;
    for (var r0 = 0u; r0 < p.rows; r0 += BLOCK) {
        var b = 0.0;
        for (var r = r0; r < min(r0 + BLOCK, p.rows); r++) {
            let i = r * p.cols + c;
            b += dy[i] * x[i] * rstd[r];
        }
        s += b;
    }
    dweight[c] = s;
}
