// store writes a 4×4 block of C (binding `c`) for the matmul_fwd kernels,
// m[cc][r] being C[row + r][col + cc], plus bias[col + cc] (binding `bias`)
// when flags bit 0 is set; entries past M or N are skipped.
// #import matmul_params

fn store(base: u32, row: u32, col: u32, m: mat4x4<f32>) {
    for (var cc = 0u; cc < 4u; cc++) {
        let j = col + cc;
        if (j >= p.n) { break; }
        var bj = 0.0;
        if ((p.flags & 1u) != 0u) { bj = bias[j]; }
        for (var r = 0u; r < 4u; r++) {
            if (row + r < p.m) {
                c[base + (row + r) * p.c_row + j] = m[cc][r] + bj;
            }
        }
    }
}
