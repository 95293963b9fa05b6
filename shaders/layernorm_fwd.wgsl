// layernorm_fwd: y = (x - mean)·rstd·gamma + beta over each row of x
// (rows, cols), rstd = 1/sqrt(var + eps) with the biased variance; mean and
// rstd are saved per row for the backward pass.
// Twin: cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, eps).
//
// One invocation per row with serial loops: on lavapipe, at 257×1408, this
// beat one workgroup per row with a tree reduction in workgroup memory by
// 1.2-1.6x (workgroup 64) and 3-4x (workgroup 256) (docs/kernels-norms.md). Sums run in blocks of 32 added to a
// running total, which keeps the f32 rounding error near that of a pairwise
// sum.

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(6) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    var s = 0.0;
    for (var c0 = 0u; c0 < p.cols; c0 += BLOCK) {
        var b = 0.0;
        for (var c = c0; c < min(c0 + BLOCK, p.cols); c++) {
            b += x[base + c];
        }
        s += b;
    }
    let n = f32(p.cols);
    let m0 = s / n;
    // Second pass: Σ(x - m0) corrects the rounding of m0 (which matters when
    // |mean| >> std, e.g. mean 0.1, std 0.01), and Σ(x - m0)² gives the
    // variance without the cancellation of E[x²] - E[x]².
    var sd = 0.0;
    var ss = 0.0;
    for (var c0 = 0u; c0 < p.cols; c0 += BLOCK) {
        var bd = 0.0;
        var bs = 0.0;
        for (var c = c0; c < min(c0 + BLOCK, p.cols); c++) {
            let d = x[base + c] - m0;
            bd += d;
            bs += d * d;
        }
        sd += bd;
        ss += bs;
    }
    let m = m0 + sd / n;
    let rs = inverseSqrt(max(ss - sd * sd / n, 0.0) / n + p.eps);
    for (var c = 0u; c < p.cols; c++) {
        y[base + c] = (x[base + c] - m) * rs * gamma[c] + beta[c];
    }
    mean[row] = m;
    rstd[row] = rs;
}
