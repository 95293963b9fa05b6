// Shared by act_fwd, act_bwd and their _tex forms: f(v) and f'(v) of each
// activation p.op names (the tables at the top of act_fwd.wgsl and
// act_bwd.wgsl). Needs erf.wgsl imported first. The op is uniform, so the
// switch costs no divergence.

fn actForward(op: u32, v: f32) -> f32 {
    switch op {
        case 0u: { return max(v, 0.0); }
        case 1u: { return 0.5 * v * onePlusErf(v * 0.70710678); }
        // 1 + tanh(u) = 2·sigmoid(2u): no cancellation for negative x, and
        // no reliance on the precision of the tanh builtin.
        case 2u: { return v * sigmoid(1.5957691 * (v + 0.044715 * v * v * v)); }
        case 3u: { return v * sigmoid(1.702 * v); }
        default: { return erfApprox(v); }
    }
}

fn actDerivative(op: u32, v: f32) -> f32 {
    switch op {
        case 0u: { return select(0.0, 1.0, v > 0.0); }
        // φ(x) = exp(-x²/2)/√(2π); for huge |x| exp underflows to 0 first.
        case 1u: { return 0.5 * onePlusErf(v * 0.70710678) + v * 0.39894228 * exp(-0.5 * v * v); }
        // s·(1-s) is formed as sigmoid(z)·sigmoid(-z): 1 - s cancels for
        // large z and cost 1e-6 relative in the gradient near x = 4.
        case 2u: {
            let z = 1.5957691 * (v + 0.044715 * v * v * v);
            let s = sigmoid(z);
            // Beyond |x| = 10, s·(1-s) < 1e-37 while x² may overflow to
            // inf: drop the term rather than form 0·inf.
            let t = (v * s * sigmoid(-z)) * 1.5957691 * (1.0 + 0.134145 * v * v);
            return s + select(t, 0.0, abs(v) > 10.0);
        }
        case 3u: {
            let s = sigmoid(1.702 * v);
            // Past |x| = 60 the term is < 1e-40, but near f32 max 1.702·x is
            // inf and the compiler may reorder the product into inf·0: select.
            let t = 1.702 * v * s * sigmoid(-1.702 * v);
            return s + select(t, 0.0, abs(v) > 60.0);
        }
        default: { return 1.1283792 * exp(-v * v); }
    }
}
