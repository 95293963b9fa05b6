// matmul_fwd_tex: C = A·Bᵀ (+ bias), the matmul_fwd product read through
// textures, for lavapipe. Twin: cpu.MatMulForward(c, a, b, bias, dims).
//
// A (M×K) and B (N×K) arrive as rgba32float textures, one row per matrix
// row and one texel per four consecutive k (model/gpu copies the buffers in
// just before the dispatch; K is a multiple of 4). The product, the Params
// layout, flags bit 0 (add bias[n]) and the store are those of matmul_fwd;
// batch z = wid.z finds its views in the textures as matmul_tex.wgsl says
// (attention's scores per head, Q·Kᵀ, read in place).
//
// Why textures: lavapipe turns every storage-buffer load into a loop over
// the 8 lanes of an AVX2 vector that inserts each element through the
// stack, a store-forwarding stall per lane; loads, not FMAs, bound
// matmul_fwd. A texel fetch is compiled as eight 16-byte loads and a
// transpose, with no loop. Same 32×16 block per invocation as matmul_fwd:
// 1024³ went from 3.5 to 14.5–16.4 GFLOP/s on a 2-core AVX2 VM
// (docs/kernels-matmul.md).

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var a: texture_2d<f32>;
@group(0) @binding(2) var b: texture_2d<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

@group(0) @binding(4) var<uniform> p: Params;

// #import matmul_store_bias

const TM = 32u; // rows of C per invocation
const TN = 16u; // columns of C per invocation
const WG = 8u;  // one AVX2 vector of lanes

// #import matmul_tex

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = wid.y * TM;
    let col0 = gid.x * TN;
    let cbase = tex_batch(wid.z);
    // Rows past the edge are clamped for loading and skipped at the store.
    let a0_ = min(row0 + 0u, p.m - 1u);
    let a1_ = min(row0 + 1u, p.m - 1u);
    let a2_ = min(row0 + 2u, p.m - 1u);
    let a3_ = min(row0 + 3u, p.m - 1u);
    let a4_ = min(row0 + 4u, p.m - 1u);
    let a5_ = min(row0 + 5u, p.m - 1u);
    let a6_ = min(row0 + 6u, p.m - 1u);
    let a7_ = min(row0 + 7u, p.m - 1u);
    let a8_ = min(row0 + 8u, p.m - 1u);
    let a9_ = min(row0 + 9u, p.m - 1u);
    let a10_ = min(row0 + 10u, p.m - 1u);
    let a11_ = min(row0 + 11u, p.m - 1u);
    let a12_ = min(row0 + 12u, p.m - 1u);
    let a13_ = min(row0 + 13u, p.m - 1u);
    let a14_ = min(row0 + 14u, p.m - 1u);
    let a15_ = min(row0 + 15u, p.m - 1u);
    let a16_ = min(row0 + 16u, p.m - 1u);
    let a17_ = min(row0 + 17u, p.m - 1u);
    let a18_ = min(row0 + 18u, p.m - 1u);
    let a19_ = min(row0 + 19u, p.m - 1u);
    let a20_ = min(row0 + 20u, p.m - 1u);
    let a21_ = min(row0 + 21u, p.m - 1u);
    let a22_ = min(row0 + 22u, p.m - 1u);
    let a23_ = min(row0 + 23u, p.m - 1u);
    let a24_ = min(row0 + 24u, p.m - 1u);
    let a25_ = min(row0 + 25u, p.m - 1u);
    let a26_ = min(row0 + 26u, p.m - 1u);
    let a27_ = min(row0 + 27u, p.m - 1u);
    let a28_ = min(row0 + 28u, p.m - 1u);
    let a29_ = min(row0 + 29u, p.m - 1u);
    let a30_ = min(row0 + 30u, p.m - 1u);
    let a31_ = min(row0 + 31u, p.m - 1u);
    let b0_ = min(col0 + 0u, p.n - 1u);
    let b1_ = min(col0 + 1u, p.n - 1u);
    let b2_ = min(col0 + 2u, p.n - 1u);
    let b3_ = min(col0 + 3u, p.n - 1u);
    let b4_ = min(col0 + 4u, p.n - 1u);
    let b5_ = min(col0 + 5u, p.n - 1u);
    let b6_ = min(col0 + 6u, p.n - 1u);
    let b7_ = min(col0 + 7u, p.n - 1u);
    let b8_ = min(col0 + 8u, p.n - 1u);
    let b9_ = min(col0 + 9u, p.n - 1u);
    let b10_ = min(col0 + 10u, p.n - 1u);
    let b11_ = min(col0 + 11u, p.n - 1u);
    let b12_ = min(col0 + 12u, p.n - 1u);
    let b13_ = min(col0 + 13u, p.n - 1u);
    let b14_ = min(col0 + 14u, p.n - 1u);
    let b15_ = min(col0 + 15u, p.n - 1u);
    // c<i><j> (4×4) accumulates transpose(rows 4i.. of A) · (rows 4j.. of B):
    // its [column c][row r] is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>();
    var c40 = mat4x4<f32>(); var c41 = mat4x4<f32>(); var c42 = mat4x4<f32>(); var c43 = mat4x4<f32>();
    var c50 = mat4x4<f32>(); var c51 = mat4x4<f32>(); var c52 = mat4x4<f32>(); var c53 = mat4x4<f32>();
    var c60 = mat4x4<f32>(); var c61 = mat4x4<f32>(); var c62 = mat4x4<f32>(); var c63 = mat4x4<f32>();
    var c70 = mat4x4<f32>(); var c71 = mat4x4<f32>(); var c72 = mat4x4<f32>(); var c73 = mat4x4<f32>();
    for (var k = 0u; k < p.k / 4u; k++) {
        let x0 = transpose(mat4x4<f32>(at(k, a0_), at(k, a1_), at(k, a2_), at(k, a3_)));
        let x1 = transpose(mat4x4<f32>(at(k, a4_), at(k, a5_), at(k, a6_), at(k, a7_)));
        let x2 = transpose(mat4x4<f32>(at(k, a8_), at(k, a9_), at(k, a10_), at(k, a11_)));
        let x3 = transpose(mat4x4<f32>(at(k, a12_), at(k, a13_), at(k, a14_), at(k, a15_)));
        let x4 = transpose(mat4x4<f32>(at(k, a16_), at(k, a17_), at(k, a18_), at(k, a19_)));
        let x5 = transpose(mat4x4<f32>(at(k, a20_), at(k, a21_), at(k, a22_), at(k, a23_)));
        let x6 = transpose(mat4x4<f32>(at(k, a24_), at(k, a25_), at(k, a26_), at(k, a27_)));
        let x7 = transpose(mat4x4<f32>(at(k, a28_), at(k, a29_), at(k, a30_), at(k, a31_)));
        let y0 = mat4x4<f32>(bt(k, b0_), bt(k, b1_), bt(k, b2_), bt(k, b3_));
        let y1 = mat4x4<f32>(bt(k, b4_), bt(k, b5_), bt(k, b6_), bt(k, b7_));
        let y2 = mat4x4<f32>(bt(k, b8_), bt(k, b9_), bt(k, b10_), bt(k, b11_));
        let y3 = mat4x4<f32>(bt(k, b12_), bt(k, b13_), bt(k, b14_), bt(k, b15_));
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        c40 += x4 * y0; c41 += x4 * y1; c42 += x4 * y2; c43 += x4 * y3;
        c50 += x5 * y0; c51 += x5 * y1; c52 += x5 * y2; c53 += x5 * y3;
        c60 += x6 * y0; c61 += x6 * y1; c62 += x6 * y2; c63 += x6 * y3;
        c70 += x7 * y0; c71 += x7 * y1; c72 += x7 * y2; c73 += x7 * y3;
    }
    if (row0 >= p.m || col0 >= p.n) { return; }
    store(cbase, row0 + 0u, col0 + 0u, c00); store(cbase, row0 + 0u, col0 + 4u, c01); store(cbase, row0 + 0u, col0 + 8u, c02); store(cbase, row0 + 0u, col0 + 12u, c03);
    store(cbase, row0 + 4u, col0 + 0u, c10); store(cbase, row0 + 4u, col0 + 4u, c11); store(cbase, row0 + 4u, col0 + 8u, c12); store(cbase, row0 + 4u, col0 + 12u, c13);
    store(cbase, row0 + 8u, col0 + 0u, c20); store(cbase, row0 + 8u, col0 + 4u, c21); store(cbase, row0 + 8u, col0 + 8u, c22); store(cbase, row0 + 8u, col0 + 12u, c23);
    store(cbase, row0 + 12u, col0 + 0u, c30); store(cbase, row0 + 12u, col0 + 4u, c31); store(cbase, row0 + 12u, col0 + 8u, c32); store(cbase, row0 + 12u, col0 + 12u, c33);
    store(cbase, row0 + 16u, col0 + 0u, c40); store(cbase, row0 + 16u, col0 + 4u, c41); store(cbase, row0 + 16u, col0 + 8u, c42); store(cbase, row0 + 16u, col0 + 12u, c43);
    store(cbase, row0 + 20u, col0 + 0u, c50); store(cbase, row0 + 20u, col0 + 4u, c51); store(cbase, row0 + 20u, col0 + 8u, c52); store(cbase, row0 + 20u, col0 + 12u, c53);
    store(cbase, row0 + 24u, col0 + 0u, c60); store(cbase, row0 + 24u, col0 + 4u, c61); store(cbase, row0 + 24u, col0 + 8u, c62); store(cbase, row0 + 24u, col0 + 12u, c63);
    store(cbase, row0 + 28u, col0 + 0u, c70); store(cbase, row0 + 28u, col0 + 4u, c71); store(cbase, row0 + 28u, col0 + 8u, c72); store(cbase, row0 + 28u, col0 + 12u, c73);
}
