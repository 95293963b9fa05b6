// transpose2d_fwd: out (cols, rows) = x (rows, cols)ᵀ, e.g. the ITC
// text-to-image logits from the image-to-text ones. One thread per element
// on a 16×16 grid: the matrices it serves are small (B×B), so no tiling
// through workgroup memory, which lavapipe makes slow anyway.
// Twin: cpu.Transpose2DForward(out, x, rows, cols).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    _p0: u32,
    _p1: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let r = gid.y;
    if (r >= p.rows || c >= p.cols) {
        return;
    }
    out[c * p.rows + r] = x[r * p.cols + c];
}
