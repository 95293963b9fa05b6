// layernorm_bwd_input: dx of layernorm_fwd from the saved mean and rstd.
// With xh = (x - mean)·rstd and g = dy·gamma,
// dx = rstd·(g - mean(g) - xh·mean(g·xh)) per row.
// Twin: cpu.LayerNormBackwardInput(dx, dy, x, gamma, mean, rstd, rows, cols).
//
// One invocation per row with serial loops, as layernorm_fwd.

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
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
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    let m = mean[row];
    let rs = rstd[row];
    var sg = 0.0;
    var sgx = 0.0;
    for (var c0 = 0u; c0 < p.cols; c0 += BLOCK) {
        var bg = 0.0;
        var bgx = 0.0;
        for (var c = c0; c < min(c0 + BLOCK, p.cols); c++) {
            let g = dy[base + c] * gamma[c];
            bg += g;
            bgx += g * (x[base + c] - m) * rs;
        }
        sg += bg;
        sgx += bgx;
    }
    let n = f32(p.cols);
    sg /= n;
    sgx /= n;
    for (var c = 0u; c < p.cols; c++) {
        let g = dy[base + c] * gamma[c];
        dx[base + c] = rs * (g - sg - (x[base + c] - m) * rs * sgx);
    }
}
