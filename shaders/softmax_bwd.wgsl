// softmax_bwd: for y = softmax(scale·x + mask), dx = scale·y⊙(dy − Σ dy⊙y)
// per row of `cols` entries.
// Twin: cpu.SoftmaxBackward(dx, y, dy, rows, cols, scale).
//
// One invocation per row, like softmax_fwd.

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    scale: f32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.y * p.stride + gid.x;
    if (r >= p.rows) {
        return;
    }
    let base = r * p.cols;
    var dot = 0.0;
    for (var j = 0u; j < p.cols; j++) {
        dot += y[base + j] * dy[base + j];
    }
    for (var j = 0u; j < p.cols; j++) {
        dx[base + j] = p.scale * y[base + j] * (dy[base + j] - dot);
    }
}
