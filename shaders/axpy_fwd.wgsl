// axpy_fwd: out = alpha·x + y (same shapes): scaled residual adds, gradient
// accumulation and scaling (y = 0 is not needed: use mul_fwd for a scale).
// Twin: cpu.AxpyForward(out, x, y, n, alpha).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;

struct Params {
    n: u32,
    alpha: f32,
    stride: u32, // threads per row of the dispatch grid (x groups × 256)
    _pad: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n) {
        return;
    }
    out[i] = p.alpha * x[i] + y[i];
}
