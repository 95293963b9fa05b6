// act_bwd: dx = dy · f'(x) for the activations of act_fwd, picked by p.op:
//   0 relu        1 if x > 0, else 0 (PyTorch's choice at 0)
//   1 gelu        Φ(x) + x·φ(x)
//   2 gelu_tanh   s + x·s·(1-s)·2u', s = sigmoid(2u), u = √(2/π)·(x + 0.044715·x³)
//   3 quickgelu   s + 1.702·x·s·(1-s), s = sigmoid(1.702·x)
//   4 erf         2/√π·exp(-x²)
// Twin: cpu.ActBackward(dx, dy, x, n, op).

@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

struct Params {
    n: u32,
    op: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

// #import erf
// #import act

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n) {
        return;
    }
    dx[i] = dy[i] * actDerivative(p.op, x[i]);
}
