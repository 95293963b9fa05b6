// act_fwd: out = f(x) elementwise, f picked by p.op:
//   0 relu        max(x, 0)
//   1 gelu        exact GELU, 0.5·x·(1 + erf(x/√2))   (ViT-g, Q-Former, FlanT5 as LAVIS runs it)
//   2 gelu_tanh   0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))   (HF NewGELUActivation, "gelu_new")
//   3 quickgelu   x·sigmoid(1.702·x)   (CLIP ViT-L)
//   4 erf         erf(x), exposed so the approximation itself is tested
// Twin: cpu.ActForward(out, x, n, op), which uses math.Erf and math.Tanh in
// float64. The op is uniform, so the switch costs no divergence.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;

struct Params {
    n: u32,
    op: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

// WGSL has no erf. onePlusErf(u) = 1 + erf(u), formed without cancellation
// for u < 0 so that gelu(x) keeps its accuracy for negative x:
//  |u| < 1: the Maclaurin series of erf to u^21 (truncation < 1.3e-9);
//  |u| ≥ 1: erfc(|u|) ≈ t·P(t)·exp(-u²), t = 1/(1 + 0.3275911·|u|)
//           (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7 absolute).
// act_bwd.wgsl carries the same function: keep the two in step.
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

fn erfApprox(u: f32) -> f32 {
    if (abs(u) < 1.0) {
        return erfSeries(u);
    }
    return sign(u) * (1.0 - erfcTail(abs(u)));
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
    var r: f32;
    switch p.op {
        case 0u: { r = max(v, 0.0); }
        case 1u: { r = 0.5 * v * onePlusErf(v * 0.70710678); }
        // 1 + tanh(u) = 2·sigmoid(2u): no cancellation for negative x, and
        // no reliance on the precision of the tanh builtin.
        case 2u: { r = v * sigmoid(1.5957691 * (v + 0.044715 * v * v * v)); }
        case 3u: { r = v * sigmoid(1.702 * v); }
        default: { r = erfApprox(v); }
    }
    out[i] = r;
}
