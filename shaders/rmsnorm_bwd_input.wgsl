// rmsnorm_bwd_input: dx of rmsnorm_fwd from the saved rstd. With xh = x·rstd
// and g = dy·weight, dx = rstd·(g - xh·mean(g·xh)) per row.
// Twin: cpu.RMSNormBackwardInput(dx, dy, x, weight, rstd, rows, cols).

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(5) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    let rs = rstd[row];
    var sgx = 0.0;
    for (var c0 = 0u; c0 < p.cols; c0 += BLOCK) {
        var b = 0.0;
        for (var c = c0; c < min(c0 + BLOCK, p.cols); c++) {
            b += dy[base + c] * weight[c] * x[base + c] * rs;
        }
        sgx += b;
    }
    sgx /= f32(p.cols);
    for (var c = 0u; c < p.cols; c++) {
        dx[base + c] = rs * (dy[base + c] * weight[c] - x[base + c] * rs * sgx);
    }
}
