// matmul_bwd_bias: db[j] (+)= Σ_i dy[i][j], the bias gradient of a Linear:
// the column sums of dy (rows × cols). One invocation per column walks the
// rows, so neighbouring lanes read neighbouring addresses.
// Twin: cpu.MatMulBackwardBias(db, dy, rows, cols, accumulate).

@group(0) @binding(0) var<storage, read_write> db: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    accumulate: u32, // 1: add into db (gradient accumulation)
    _pad: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    if (j >= p.cols) {
        return;
    }
    // Four partial sums shorten the dependency chain and the rounding drift.
    var s = vec4<f32>(0.0);
    var i = 0u;
    for (; i + 4u <= p.rows; i += 4u) {
        s += vec4<f32>(dy[i * p.cols + j], dy[(i + 1u) * p.cols + j], dy[(i + 2u) * p.cols + j], dy[(i + 3u) * p.cols + j]);
    }
    for (; i < p.rows; i++) {
        s.x += dy[i * p.cols + j];
    }
    var t = (s.x + s.y) + (s.z + s.w);
    if (p.accumulate != 0u) {
        t += db[j];
    }
    db[j] = t;
}
