// Shared by act_fwd and act_bwd: erf, 1 + erf and sigmoid, which WGSL lacks.
//
// WGSL has no erf. onePlusErf(u) = 1 + erf(u), formed without cancellation
// for u < 0 so that gelu(x) keeps its accuracy for negative x:
//  |u| < 1: the Maclaurin series of erf to u^21 (truncation < 1.3e-9);
//  |u| ≥ 1: erfc(|u|) ≈ t·P(t)·exp(-u²), t = 1/(1 + 0.3275911·|u|)
//           (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7 absolute).
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
