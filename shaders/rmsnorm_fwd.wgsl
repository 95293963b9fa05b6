// rmsnorm_fwd: T5's LayerNorm: y = x·rstd·weight, rstd = 1/sqrt(mean(x²) + eps)
// per row of x (rows, cols), in f32; no mean subtraction, no bias. rstd is
// saved for the backward pass.
// Twin: cpu.RMSNormForward(y, rstd, x, weight, rows, cols, eps).
//
// One invocation per row with a serial loop, as layernorm_fwd (faster than a
// workgroup tree reduction on lavapipe); sums in blocks of 32.

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(4) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    var ss = 0.0;
    for (var c0 = 0u; c0 < p.cols; c0 += BLOCK) {
        var b = 0.0;
        for (var c = c0; c < min(c0 + BLOCK, p.cols); c++) {
            let v = x[base + c];
            b += v * v;
        }
        ss += b;
    }
    let rs = inverseSqrt(ss / f32(p.cols) + p.eps);
    for (var c = 0u; c < p.cols; c++) {
        y[base + c] = x[base + c] * rs * weight[c];
    }
    rstd[row] = rs;
}
