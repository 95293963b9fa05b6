// softmax_bwd: for y = softmax(scale·x + mask), dx = scale·y⊙(dy − Σ dy⊙y)
// over the first `cols` entries of each row, rows `ld` apart as in
// softmax_fwd; entries cols..ld of dx are written 0.
// Twin: cpu.SoftmaxBackward(dx, y, dy, rows, cols, scale, ld).
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
    ld: u32,     // elements from one row to the next
    _p0: u32,
    _p1: u32,
    _p2: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.y * p.stride + gid.x;
    if (r >= p.rows) {
        return;
    }
    let base = r * p.ld;
    var dot = 0.0;
    for (var j = 0u; j < p.cols; j++) {
        dot += y[base + j] * dy[base + j];
    }
    for (var j = 0u; j < p.cols; j++) {
        dx[base + j] = p.scale * y[base + j] * (dy[base + j] - dot);
    }
    for (var j = p.cols; j < p.ld; j++) {
        dx[base + j] = 0.0;
    }
}
