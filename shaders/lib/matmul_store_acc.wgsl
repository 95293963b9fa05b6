// store writes a 4×4 block of C for the _tex kernels of the backward
// products, m[cc][r] being C[row + r][col + cc]; with acc it adds the block
// to C (gradient accumulation; each element is owned by one invocation, so
// the read-modify-write is race-free). Rows past M and blocks past N are
// skipped.
//
// C (binding `c`) is read and written as vec4: lavapipe compiles each
// storage access into a loop over the lanes, and with 32 blocks of 16
// scalar loads and stores matmul_bwd_weight_tex took 25–36 s to compile
// cold; with four times fewer vec4 accesses it takes 7–10 s. model/gpu
// checks that N, the row stride and the offset of the C view are multiples
// of 4, so a row of a block is one whole vec4.
// #import matmul_params

fn store(base: u32, row: u32, col: u32, m: mat4x4<f32>, acc: bool) {
    if (col >= p.n) { return; }
    let t = transpose(m); // t[r] is row r of the block
    for (var r = 0u; r < 4u; r++) {
        if (row + r < p.m) {
            let i = (base + (row + r) * p.c_row + col) / 4u;
            var v = t[r];
            if (acc) { v += c[i]; }
            c[i] = v;
        }
    }
}
