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

// WGSL has no erf. onePlusErf(u) = 1 + erf(u), formed without cancellation
// for u < 0 so that gelu(x) keeps its accuracy for negative x:
//  |u| < 1: the Maclaurin series of erf to u^21 (truncation < 1.3e-9);
//  |u| ≥ 1: erfc(|u|) ≈ t·P(t)·exp(-u²), t = 1/(1 + 0.3275911·|u|)
//           (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7 absolute).
// act_fwd.wgsl carries the same function: keep the two in step.
fn erfSeries(u: f32) -> f32 {
    let z = u * u;
    // 2/√π · (-1)^k / (k!·(2k+1)), k = 10 down to 0
    var s = 1.480719282e-08;
    s = s * z - 1.636584469e-07;
    s = s * z + 1.646211437e-06;
    s = s * z - 1.492565036e-05;
    s = s * z + 1.205533298e-04;
    s = s * z - 8.548327023e-04;
    s = s * z + 5.223977625e-03;
    s = s * z - 2.686617065e-02;
    s = s * z + 1.128379167e-01;
    s = s * z - 3.761263890e-01;
    s = s * z + 1.128379167e+00;
    return u * s;
}

fn erfcTail(a: f32) -> f32 { // erfc(a) for a ≥ 1
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    return poly * exp(-a * a);
}

fn onePlusErf(u: f32) -> f32 {
    if (abs(u) < 1.0) {
        return 1.0 + erfSeries(u);
    }
    if (u < 0.0) {
        return erfcTail(-u);
    }
    return 2.0 - erfcTail(u);
}

fn sigmoid(v: f32) -> f32 {
    return 1.0 / (1.0 + exp(-v)); // exp overflow gives 1/inf = 0: the right limit
}

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
