// l2norm_bwd: dx of l2norm_fwd, recomputing the norm n from x. Where n > eps,
// dx = (dy - x·⟨x, dy⟩/n²)/n; where the norm was clamped, y = x/eps and
// dx = dy/eps.
// Twin: cpu.L2NormBackward(dx, dy, x, rows, cols, eps).

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(3) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    var ss = 0.0;
    var sd = 0.0;
    for (var c0 = 0u; c0 < p.cols; c0 += BLOCK) {
        var bs = 0.0;
        var bd = 0.0;
        for (var c = c0; c < min(c0 + BLOCK, p.cols); c++) {
            let v = x[base + c];
            bs += v * v;
            bd += v * dy[base + c];
        }
        ss += bs;
        sd += bd;
    }
    let n = sqrt(ss);
    if (n <= p.eps) {
        for (var c = 0u; c < p.cols; c++) {
            dx[base + c] = dy[base + c] / p.eps;
        }
        return;
    }
    let inv = 1.0 / n;
    let k = sd * inv * inv;
    for (var c = 0u; c < p.cols; c++) {
        dx[base + c] = (dy[base + c] - x[base + c] * k) * inv;
    }
}
