// The parameters shared by the strided, batched matmul kernels (layout in
// matmul_fwd.wgsl), mirrored by matmulParams in model/gpu/matmul.go: keep
// the field order.
struct Params {
    m: u32, n: u32, k: u32, batch: u32,
    inner: u32, flags: u32, a_row: u32, b_row: u32,
    c_row: u32, a_off: u32, b_off: u32, c_off: u32,
    a_outer: u32, a_inner: u32, b_outer: u32, b_inner: u32,
    c_outer: u32, c_inner: u32, _p0: u32, _p1: u32,
}

// batch_offsets gives the first element of batch z in A, B and C. Two batch
// levels, z = outer·p.inner + inner, let a (B, T, H, D) tensor be read per
// head with no permute; a stride of 0 shares one matrix across batches.
fn batch_offsets(z: u32) -> vec3<u32> {
    let zo = z / p.inner;
    let zi = z % p.inner;
    return vec3<u32>(p.a_off + zo * p.a_outer + zi * p.a_inner,
        p.b_off + zo * p.b_outer + zi * p.b_inner,
        p.c_off + zo * p.c_outer + zi * p.c_inner);
}
