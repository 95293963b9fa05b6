// layernorm_bwd_weight: dgamma = Σ_rows dy·(x - mean)·rstd, dbeta = Σ_rows dy.
// Twin: cpu.LayerNormBackwardWeight(dgamma, dbeta, dy, x, mean, rstd, rows, cols).
//
// One invocation per column loops over the rows in order: no atomics, no
// partial sums, so the result is the same on every run. Neighbouring lanes
// read neighbouring columns, which lavapipe loads as whole vectors.

@group(0) @binding(0) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(1) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(6) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.y * p.stride + gid.x;
    if (c >= p.cols) {
        return;
    }
    var sg = 0.0;
    var sb = 0.0;
    for (var r0 = 0u; r0 < p.rows; r0 += BLOCK) {
        var bg = 0.0;
        var bb = 0.0;
        for (var r = r0; r < min(r0 + BLOCK, p.rows); r++) {
            let i = r * p.cols + c;
            bg += dy[i] * (x[i] - mean[r]) * rstd[r];
            bb += dy[i];
        }
        sg += bg;
        sb += bb;
    }
    dgamma[c] = sg;
    dbeta[c] = sb;
}
