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

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n) {
        return;
    }
    let v = x[i];
    var g: f32;
    switch p.op {
        case 0u: { g = select(0.0, 1.0, v > 0.0); }
        // φ(x) = exp(-x²/2)/√(2π); for huge |x| exp underflows to 0 first.
        case 1u: { g = 0.5 * onePlusErf(v * 0.70710678) + v * 0.39894228 * exp(-0.5 * v * v); }
        // s·(1-s) is formed as sigmoid(z)·sigmoid(-z): 1 - s cancels for
        // large z and cost 1e-6 relative in the gradient near x = 4.
        case 2u: {
            let z = 1.5957691 * (v + 0.044715 * v * v * v);
            let s = sigmoid(z);
            // Beyond |x| = 10, s·(1-s) < 1e-37 while x² may overflow to
            // inf: drop the term rather than form 0·inf.
            let t = (v * s * sigmoid(-z)) * 1.5957691 * (1.0 + 0.134145 * v * v);
            g = s + select(t, 0.0, abs(v) > 10.0);
        }
        case 3u: {
            let s = sigmoid(1.702 * v);
            // Past |x| = 60 the term is < 1e-40, but near f32 max 1.702·x is
            // inf and the compiler may reorder the product into inf·0: select.
            let t = 1.702 * v * s * sigmoid(-1.702 * v);
            g = s + select(t, 0.0, abs(v) > 60.0);
        }
        default: { g = 1.1283792 * exp(-v * v); }
    }
    dx[i] = dy[i] * g;
}
