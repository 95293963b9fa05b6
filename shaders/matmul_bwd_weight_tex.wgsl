// matmul_bwd_weight_tex: C (+)= Aᵀ·B, the matmul_bwd_weight product ("TN":
// a Linear's dW = dYᵀ·X) read through textures, for lavapipe.
// Twin: cpu.MatMulBackwardWeight(c, a, b, dims).
//
// A (K×M) and B (K×N) arrive as rgba32float textures with one row per k and
// one texel per four consecutive m, respectively n. model/gpu copies the
// buffers in just before the dispatch and checks that N is a multiple of 4
// and that the C view is vec4-aligned (matmul_store_acc says why); K is any
// size, and so is M: the extra columns of a partial last texel of A only
// reach rows of C past M, which are not stored. flags bit 1: add into C instead of overwriting it, as
// matmul_bwd_weight. Batch z = wid.z finds its views as matmul_tex.wgsl
// says (dK = dSᵀ·Q and dV = Pᵀ·dO per head).
//
// matmul_fwd_tex says why textures. Per four k the lane reads, for each four
// of its TM rows and TN columns of C, the texels of rows k..k+3 of A and B.
// Those of A are already the 4×4 block the product wants (by k, then m);
// those of B are transposed, which costs nothing on lavapipe (a mat4x4 is
// sixteen vector registers, and a transpose renames them).
//
// K is the number of tokens (257, 33, …), so the last step may run past row
// K−1. Its rows are clamped for loading and the A values of rows ≥ K are
// zeroed, so that a clamped row is not counted twice; row 4k of a step is
// always inside, so only the other three are masked. The mask is a select
// per texel in every step, not a second copy of the unrolled body for the
// tail (twice the code for LLVM to compile); it cost no measurable speed.
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
    // Texel columns of A and B past the edge are clamped for loading and
    // skipped at the store.
    let a0_ = min(row0 / 4u + 0u, (p.m + 3u) / 4u - 1u);
    let a1_ = min(row0 / 4u + 1u, (p.m + 3u) / 4u - 1u);
    let a2_ = min(row0 / 4u + 2u, (p.m + 3u) / 4u - 1u);
    let a3_ = min(row0 / 4u + 3u, (p.m + 3u) / 4u - 1u);
    let a4_ = min(row0 / 4u + 4u, (p.m + 3u) / 4u - 1u);
    let a5_ = min(row0 / 4u + 5u, (p.m + 3u) / 4u - 1u);
    let a6_ = min(row0 / 4u + 6u, (p.m + 3u) / 4u - 1u);
    let a7_ = min(row0 / 4u + 7u, (p.m + 3u) / 4u - 1u);
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
        let in1 = 4u * k + 1u < p.k;
        let in2 = 4u * k + 2u < p.k;
        let in3 = 4u * k + 3u < p.k;
        let x0 = mat4x4<f32>(at(a0_, r0), select(vec4<f32>(), at(a0_, r1), in1), select(vec4<f32>(), at(a0_, r2), in2), select(vec4<f32>(), at(a0_, r3), in3));
        let x1 = mat4x4<f32>(at(a1_, r0), select(vec4<f32>(), at(a1_, r1), in1), select(vec4<f32>(), at(a1_, r2), in2), select(vec4<f32>(), at(a1_, r3), in3));
        let x2 = mat4x4<f32>(at(a2_, r0), select(vec4<f32>(), at(a2_, r1), in1), select(vec4<f32>(), at(a2_, r2), in2), select(vec4<f32>(), at(a2_, r3), in3));
        let x3 = mat4x4<f32>(at(a3_, r0), select(vec4<f32>(), at(a3_, r1), in1), select(vec4<f32>(), at(a3_, r2), in2), select(vec4<f32>(), at(a3_, r3), in3));
        let x4 = mat4x4<f32>(at(a4_, r0), select(vec4<f32>(), at(a4_, r1), in1), select(vec4<f32>(), at(a4_, r2), in2), select(vec4<f32>(), at(a4_, r3), in3));
        let x5 = mat4x4<f32>(at(a5_, r0), select(vec4<f32>(), at(a5_, r1), in1), select(vec4<f32>(), at(a5_, r2), in2), select(vec4<f32>(), at(a5_, r3), in3));
        let x6 = mat4x4<f32>(at(a6_, r0), select(vec4<f32>(), at(a6_, r1), in1), select(vec4<f32>(), at(a6_, r2), in2), select(vec4<f32>(), at(a6_, r3), in3));
        let x7 = mat4x4<f32>(at(a7_, r0), select(vec4<f32>(), at(a7_, r1), in1), select(vec4<f32>(), at(a7_, r2), in2), select(vec4<f32>(), at(a7_, r3), in3));
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
