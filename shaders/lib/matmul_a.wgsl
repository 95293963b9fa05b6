// Loads of four consecutive elements of A (binding `a`) along K for the
// register-blocked matmul kernels.
// #import matmul_params

// a4: the elements at or past `left` read as zero (the index is clamped so
// the load itself stays in bounds); for the last, partial step of K.
fn a4(i: u32, left: u32) -> vec4<f32> {
    return vec4<f32>(a[i], select(0.0, a[i + min(1u, left - 1u)], left > 1u),
        select(0.0, a[i + min(2u, left - 1u)], left > 2u), select(0.0, a[i + min(3u, left - 1u)], left > 3u));
}
fn af(i: u32) -> vec4<f32> { return vec4<f32>(a[i], a[i + 1u], a[i + 2u], a[i + 3u]); }
