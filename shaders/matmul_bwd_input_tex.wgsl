// matmul_bwd_input_tex: C = A·B, the matmul_bwd_input product ("NN": a
// Linear's dX = dY·W) read through textures, for lavapipe.
// Twin: cpu.MatMulBackwardInput(c, a, b, dims).
//
// A (M×K) arrives as an rgba32float texture with one row per row of A and
// one texel per four consecutive k, as in matmul_fwd_tex; B (K×N) with one
// row per row of B and one texel per four consecutive n. model/gpu copies
// the buffers in just before the dispatch and checks that N is a multiple
// of 4 and that the C view is vec4-aligned (matmul_store_acc says why). K
// is any size (attention's 65 image tokens): the last step clamps B's rows
// and zeroes A's values past K, which a partial last texel may hold (the
// next key's scores, a padded row's stale data), with a select per texel
// as matmul_bwd_weight_tex masks its rows. Batch z = wid.z finds its views
// as matmul_tex.wgsl says (P·V per head). flags bit 1: add into C instead of
// overwriting it (a Linear's dX added to the residual's gradient).
//
// matmul_fwd_tex says why textures. Per four k the lane reads one texel of
// each of its TM rows of A and, for each four of its TN columns, the texels
// of rows k..k+3 of B: the rows of a 4×4 block of B, which the product wants
// by column, so it takes their transpose. That costs nothing on lavapipe: a
// mat4x4 is sixteen vector registers, one per element, and a transpose
// renames them.
//
// Block 32×16 per invocation, as matmul_fwd_tex, chosen by measurement on a
// 2-core AVX2 VM: 16×16, 16×32 and 32×16 all ran 11–17 GFLOP/s, 32×16 best
// at 257 tokens; 32×32 was no faster and took 18 s (NN) and 42 s (TN) to
// compile cold. docs/kernels-matmul.md has the figures.

@group(0) @binding(0) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(1) var a: texture_2d<f32>;
@group(0) @binding(2) var b: texture_2d<f32>;

@group(0) @binding(3) var<uniform> p: Params;

// #import matmul_store_acc

const TM = 32u; // rows of C per invocation
const TN = 16u; // columns of C per invocation
const WG = 8u;  // one AVX2 vector of lanes

// #import matmul_tex

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let row0 = wid.y * TM;
    let col0 = gid.x * TN;
    let cbase = tex_batch(wid.z);
    // Rows of A and texel columns of B past the edge are clamped for
    // loading and skipped at the store.
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
    let b0_ = min(col0 / 4u + 0u, p.n / 4u - 1u);
    let b1_ = min(col0 / 4u + 1u, p.n / 4u - 1u);
    let b2_ = min(col0 / 4u + 2u, p.n / 4u - 1u);
    let b3_ = min(col0 / 4u + 3u, p.n / 4u - 1u);
    // c<i><j> (4×4) accumulates x<i>·y<j>: x<i> holds rows 4i.. of the block
    // of C by k ([k][r]), y<j> its columns 4j.. ([c][k]), so [column c][row r]
    // of c<i><j> is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>();
    var c40 = mat4x4<f32>(); var c41 = mat4x4<f32>(); var c42 = mat4x4<f32>(); var c43 = mat4x4<f32>();
    var c50 = mat4x4<f32>(); var c51 = mat4x4<f32>(); var c52 = mat4x4<f32>(); var c53 = mat4x4<f32>();
    var c60 = mat4x4<f32>(); var c61 = mat4x4<f32>(); var c62 = mat4x4<f32>(); var c63 = mat4x4<f32>();
    var c70 = mat4x4<f32>(); var c71 = mat4x4<f32>(); var c72 = mat4x4<f32>(); var c73 = mat4x4<f32>();
    for (var k = 0u; k < (p.k + 3u) / 4u; k++) {
        let r0 = 4u * k;
        let r1 = min(4u * k + 1u, p.k - 1u);
        let r2 = min(4u * k + 2u, p.k - 1u);
        let r3 = min(4u * k + 3u, p.k - 1u);
        let kin = vec4<u32>(r0, 4u * k + 1u, 4u * k + 2u, 4u * k + 3u) < vec4<u32>(p.k);
        let x0 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a0_), kin), select(vec4<f32>(), at(k, a1_), kin), select(vec4<f32>(), at(k, a2_), kin), select(vec4<f32>(), at(k, a3_), kin)));
        let x1 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a4_), kin), select(vec4<f32>(), at(k, a5_), kin), select(vec4<f32>(), at(k, a6_), kin), select(vec4<f32>(), at(k, a7_), kin)));
        let x2 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a8_), kin), select(vec4<f32>(), at(k, a9_), kin), select(vec4<f32>(), at(k, a10_), kin), select(vec4<f32>(), at(k, a11_), kin)));
        let x3 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a12_), kin), select(vec4<f32>(), at(k, a13_), kin), select(vec4<f32>(), at(k, a14_), kin), select(vec4<f32>(), at(k, a15_), kin)));
        let x4 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a16_), kin), select(vec4<f32>(), at(k, a17_), kin), select(vec4<f32>(), at(k, a18_), kin), select(vec4<f32>(), at(k, a19_), kin)));
        let x5 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a20_), kin), select(vec4<f32>(), at(k, a21_), kin), select(vec4<f32>(), at(k, a22_), kin), select(vec4<f32>(), at(k, a23_), kin)));
        let x6 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a24_), kin), select(vec4<f32>(), at(k, a25_), kin), select(vec4<f32>(), at(k, a26_), kin), select(vec4<f32>(), at(k, a27_), kin)));
        let x7 = transpose(mat4x4<f32>(select(vec4<f32>(), at(k, a28_), kin), select(vec4<f32>(), at(k, a29_), kin), select(vec4<f32>(), at(k, a30_), kin), select(vec4<f32>(), at(k, a31_), kin)));
        let y0 = transpose(mat4x4<f32>(bt(b0_, r0), bt(b0_, r1), bt(b0_, r2), bt(b0_, r3)));
        let y1 = transpose(mat4x4<f32>(bt(b1_, r0), bt(b1_, r1), bt(b1_, r2), bt(b1_, r3)));
        let y2 = transpose(mat4x4<f32>(bt(b2_, r0), bt(b2_, r1), bt(b2_, r2), bt(b2_, r3)));
        let y3 = transpose(mat4x4<f32>(bt(b3_, r0), bt(b3_, r1), bt(b3_, r2), bt(b3_, r3)));
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
    let acc = (p.flags & 2u) != 0u;
    store(cbase, row0 + 0u, col0 + 0u, c00, acc); store(cbase, row0 + 0u, col0 + 4u, c01, acc); store(cbase, row0 + 0u, col0 + 8u, c02, acc); store(cbase, row0 + 0u, col0 + 12u, c03, acc);
    store(cbase, row0 + 4u, col0 + 0u, c10, acc); store(cbase, row0 + 4u, col0 + 4u, c11, acc); store(cbase, row0 + 4u, col0 + 8u, c12, acc); store(cbase, row0 + 4u, col0 + 12u, c13, acc);
    store(cbase, row0 + 8u, col0 + 0u, c20, acc); store(cbase, row0 + 8u, col0 + 4u, c21, acc); store(cbase, row0 + 8u, col0 + 8u, c22, acc); store(cbase, row0 + 8u, col0 + 12u, c23, acc);
    store(cbase, row0 + 12u, col0 + 0u, c30, acc); store(cbase, row0 + 12u, col0 + 4u, c31, acc); store(cbase, row0 + 12u, col0 + 8u, c32, acc); store(cbase, row0 + 12u, col0 + 12u, c33, acc);
    store(cbase, row0 + 16u, col0 + 0u, c40, acc); store(cbase, row0 + 16u, col0 + 4u, c41, acc); store(cbase, row0 + 16u, col0 + 8u, c42, acc); store(cbase, row0 + 16u, col0 + 12u, c43, acc);
    store(cbase, row0 + 20u, col0 + 0u, c50, acc); store(cbase, row0 + 20u, col0 + 4u, c51, acc); store(cbase, row0 + 20u, col0 + 8u, c52, acc); store(cbase, row0 + 20u, col0 + 12u, c53, acc);
    store(cbase, row0 + 24u, col0 + 0u, c60, acc); store(cbase, row0 + 24u, col0 + 4u, c61, acc); store(cbase, row0 + 24u, col0 + 8u, c62, acc); store(cbase, row0 + 24u, col0 + 12u, c63, acc);
    store(cbase, row0 + 28u, col0 + 0u, c70, acc); store(cbase, row0 + 28u, col0 + 4u, c71, acc); store(cbase, row0 + 28u, col0 + 8u, c72, acc); store(cbase, row0 + 28u, col0 + 12u, c73, acc);
}
