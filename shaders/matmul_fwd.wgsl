// matmul_fwd: C = A·Bᵀ (+ bias), batched, the "NT" product of a Linear layer
// (B holds PyTorch weights, (out, in)) and of attention scores Q·Kᵀ.
// Twin: cpu.MatMulForward(c, a, b, bias, dims).
//
// Shapes: A (M×K), B (N×K), C (M×N), bias (N), each a strided view:
// element (i, j) of batch z is at off + outer·(z / inner) + inner_stride·(z % inner)
// + i·row + j. Two batch levels let a (B, T, H, D) tensor be read per head
// (z = b·H + h) with no permute. A B batch stride of 0 shares one weight.
// flags bit 0: add bias[n]. Without a bias, bind any 1-element tensor.
//
// lavapipe variant (adapter class "cpu"): lavapipe runs 8 invocations as the
// lanes of one AVX2 vector, and every storage load becomes a loop over the
// lanes, so loads, not FMAs, bound the speed. Each invocation therefore keeps
// a 32×16 block of C in registers (thirty-two 4×4 matrices) and reads 32 rows
// of A and 16 rows of B four k at a time: 48 vec4 loads per 2048 FMAs. A
// 16×16 block ran at 0.35–0.9× this speed, the 8×8 block of platform.md at
// 0.3–0.6× (docs/kernels-matmul.md). No workgroup memory and no barriers
// (both are slow there). Out-of-range rows
// and columns are clamped for loading and skipped at the store, so the inner
// loop has no bounds tests; a K that is not a multiple of 4 gets one masked
// extra step.

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

@group(0) @binding(4) var<uniform> p: Params;

// #import matmul_a
// #import matmul_store_bias

const TM = 32u; // rows of C per invocation
const TN = 16u; // columns of C per invocation
const WG = 8u;  // one AVX2 vector of lanes

fn b4(i: u32, left: u32) -> vec4<f32> {
    return vec4<f32>(b[i], select(0.0, b[i + min(1u, left - 1u)], left > 1u),
        select(0.0, b[i + min(2u, left - 1u)], left > 2u), select(0.0, b[i + min(3u, left - 1u)], left > 3u));
}
fn bf(i: u32) -> vec4<f32> { return vec4<f32>(b[i], b[i + 1u], b[i + 2u], b[i + 3u]); }

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let zoff = batch_offsets(wid.z);
    let ab = zoff.x;
    let bb = zoff.y;
    let cb = zoff.z;
    let row0 = wid.y * TM;
    let col0 = gid.x * TN;
    // Row starts, clamped into the matrix.
    let a0_ = ab + min(row0 + 0u, p.m - 1u) * p.a_row;
    let a1_ = ab + min(row0 + 1u, p.m - 1u) * p.a_row;
    let a2_ = ab + min(row0 + 2u, p.m - 1u) * p.a_row;
    let a3_ = ab + min(row0 + 3u, p.m - 1u) * p.a_row;
    let a4_ = ab + min(row0 + 4u, p.m - 1u) * p.a_row;
    let a5_ = ab + min(row0 + 5u, p.m - 1u) * p.a_row;
    let a6_ = ab + min(row0 + 6u, p.m - 1u) * p.a_row;
    let a7_ = ab + min(row0 + 7u, p.m - 1u) * p.a_row;
    let a8_ = ab + min(row0 + 8u, p.m - 1u) * p.a_row;
    let a9_ = ab + min(row0 + 9u, p.m - 1u) * p.a_row;
    let a10_ = ab + min(row0 + 10u, p.m - 1u) * p.a_row;
    let a11_ = ab + min(row0 + 11u, p.m - 1u) * p.a_row;
    let a12_ = ab + min(row0 + 12u, p.m - 1u) * p.a_row;
    let a13_ = ab + min(row0 + 13u, p.m - 1u) * p.a_row;
    let a14_ = ab + min(row0 + 14u, p.m - 1u) * p.a_row;
    let a15_ = ab + min(row0 + 15u, p.m - 1u) * p.a_row;
    let a16_ = ab + min(row0 + 16u, p.m - 1u) * p.a_row;
    let a17_ = ab + min(row0 + 17u, p.m - 1u) * p.a_row;
    let a18_ = ab + min(row0 + 18u, p.m - 1u) * p.a_row;
    let a19_ = ab + min(row0 + 19u, p.m - 1u) * p.a_row;
    let a20_ = ab + min(row0 + 20u, p.m - 1u) * p.a_row;
    let a21_ = ab + min(row0 + 21u, p.m - 1u) * p.a_row;
    let a22_ = ab + min(row0 + 22u, p.m - 1u) * p.a_row;
    let a23_ = ab + min(row0 + 23u, p.m - 1u) * p.a_row;
    let a24_ = ab + min(row0 + 24u, p.m - 1u) * p.a_row;
    let a25_ = ab + min(row0 + 25u, p.m - 1u) * p.a_row;
    let a26_ = ab + min(row0 + 26u, p.m - 1u) * p.a_row;
    let a27_ = ab + min(row0 + 27u, p.m - 1u) * p.a_row;
    let a28_ = ab + min(row0 + 28u, p.m - 1u) * p.a_row;
    let a29_ = ab + min(row0 + 29u, p.m - 1u) * p.a_row;
    let a30_ = ab + min(row0 + 30u, p.m - 1u) * p.a_row;
    let a31_ = ab + min(row0 + 31u, p.m - 1u) * p.a_row;
    let b0_ = bb + min(col0 + 0u, p.n - 1u) * p.b_row;
    let b1_ = bb + min(col0 + 1u, p.n - 1u) * p.b_row;
    let b2_ = bb + min(col0 + 2u, p.n - 1u) * p.b_row;
    let b3_ = bb + min(col0 + 3u, p.n - 1u) * p.b_row;
    let b4_ = bb + min(col0 + 4u, p.n - 1u) * p.b_row;
    let b5_ = bb + min(col0 + 5u, p.n - 1u) * p.b_row;
    let b6_ = bb + min(col0 + 6u, p.n - 1u) * p.b_row;
    let b7_ = bb + min(col0 + 7u, p.n - 1u) * p.b_row;
    let b8_ = bb + min(col0 + 8u, p.n - 1u) * p.b_row;
    let b9_ = bb + min(col0 + 9u, p.n - 1u) * p.b_row;
    let b10_ = bb + min(col0 + 10u, p.n - 1u) * p.b_row;
    let b11_ = bb + min(col0 + 11u, p.n - 1u) * p.b_row;
    let b12_ = bb + min(col0 + 12u, p.n - 1u) * p.b_row;
    let b13_ = bb + min(col0 + 13u, p.n - 1u) * p.b_row;
    let b14_ = bb + min(col0 + 14u, p.n - 1u) * p.b_row;
    let b15_ = bb + min(col0 + 15u, p.n - 1u) * p.b_row;
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
    let kfull = p.k & ~3u;
    for (var k = 0u; k < kfull; k += 4u) {
        let x0 = transpose(mat4x4<f32>(af(a0_ + k), af(a1_ + k), af(a2_ + k), af(a3_ + k)));
        let x1 = transpose(mat4x4<f32>(af(a4_ + k), af(a5_ + k), af(a6_ + k), af(a7_ + k)));
        let x2 = transpose(mat4x4<f32>(af(a8_ + k), af(a9_ + k), af(a10_ + k), af(a11_ + k)));
        let x3 = transpose(mat4x4<f32>(af(a12_ + k), af(a13_ + k), af(a14_ + k), af(a15_ + k)));
        let x4 = transpose(mat4x4<f32>(af(a16_ + k), af(a17_ + k), af(a18_ + k), af(a19_ + k)));
        let x5 = transpose(mat4x4<f32>(af(a20_ + k), af(a21_ + k), af(a22_ + k), af(a23_ + k)));
        let x6 = transpose(mat4x4<f32>(af(a24_ + k), af(a25_ + k), af(a26_ + k), af(a27_ + k)));
        let x7 = transpose(mat4x4<f32>(af(a28_ + k), af(a29_ + k), af(a30_ + k), af(a31_ + k)));
        let y0 = mat4x4<f32>(bf(b0_ + k), bf(b1_ + k), bf(b2_ + k), bf(b3_ + k));
        let y1 = mat4x4<f32>(bf(b4_ + k), bf(b5_ + k), bf(b6_ + k), bf(b7_ + k));
        let y2 = mat4x4<f32>(bf(b8_ + k), bf(b9_ + k), bf(b10_ + k), bf(b11_ + k));
        let y3 = mat4x4<f32>(bf(b12_ + k), bf(b13_ + k), bf(b14_ + k), bf(b15_ + k));
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        c40 += x4 * y0; c41 += x4 * y1; c42 += x4 * y2; c43 += x4 * y3;
        c50 += x5 * y0; c51 += x5 * y1; c52 += x5 * y2; c53 += x5 * y3;
        c60 += x6 * y0; c61 += x6 * y1; c62 += x6 * y2; c63 += x6 * y3;
        c70 += x7 * y0; c71 += x7 * y1; c72 += x7 * y2; c73 += x7 * y3;
    }
    if (kfull < p.k) {
        let k = kfull;
        let l = p.k - kfull;
        let x0 = transpose(mat4x4<f32>(a4(a0_ + k, l), a4(a1_ + k, l), a4(a2_ + k, l), a4(a3_ + k, l)));
        let x1 = transpose(mat4x4<f32>(a4(a4_ + k, l), a4(a5_ + k, l), a4(a6_ + k, l), a4(a7_ + k, l)));
        let x2 = transpose(mat4x4<f32>(a4(a8_ + k, l), a4(a9_ + k, l), a4(a10_ + k, l), a4(a11_ + k, l)));
        let x3 = transpose(mat4x4<f32>(a4(a12_ + k, l), a4(a13_ + k, l), a4(a14_ + k, l), a4(a15_ + k, l)));
        let x4 = transpose(mat4x4<f32>(a4(a16_ + k, l), a4(a17_ + k, l), a4(a18_ + k, l), a4(a19_ + k, l)));
        let x5 = transpose(mat4x4<f32>(a4(a20_ + k, l), a4(a21_ + k, l), a4(a22_ + k, l), a4(a23_ + k, l)));
        let x6 = transpose(mat4x4<f32>(a4(a24_ + k, l), a4(a25_ + k, l), a4(a26_ + k, l), a4(a27_ + k, l)));
        let x7 = transpose(mat4x4<f32>(a4(a28_ + k, l), a4(a29_ + k, l), a4(a30_ + k, l), a4(a31_ + k, l)));
        let y0 = mat4x4<f32>(b4(b0_ + k, l), b4(b1_ + k, l), b4(b2_ + k, l), b4(b3_ + k, l));
        let y1 = mat4x4<f32>(b4(b4_ + k, l), b4(b5_ + k, l), b4(b6_ + k, l), b4(b7_ + k, l));
        let y2 = mat4x4<f32>(b4(b8_ + k, l), b4(b9_ + k, l), b4(b10_ + k, l), b4(b11_ + k, l));
        let y3 = mat4x4<f32>(b4(b12_ + k, l), b4(b13_ + k, l), b4(b14_ + k, l), b4(b15_ + k, l));
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
    store(cb, row0 + 0u, col0 + 0u, c00); store(cb, row0 + 0u, col0 + 4u, c01); store(cb, row0 + 0u, col0 + 8u, c02); store(cb, row0 + 0u, col0 + 12u, c03);
    store(cb, row0 + 4u, col0 + 0u, c10); store(cb, row0 + 4u, col0 + 4u, c11); store(cb, row0 + 4u, col0 + 8u, c12); store(cb, row0 + 4u, col0 + 12u, c13);
    store(cb, row0 + 8u, col0 + 0u, c20); store(cb, row0 + 8u, col0 + 4u, c21); store(cb, row0 + 8u, col0 + 8u, c22); store(cb, row0 + 8u, col0 + 12u, c23);
    store(cb, row0 + 12u, col0 + 0u, c30); store(cb, row0 + 12u, col0 + 4u, c31); store(cb, row0 + 12u, col0 + 8u, c32); store(cb, row0 + 12u, col0 + 12u, c33);
    store(cb, row0 + 16u, col0 + 0u, c40); store(cb, row0 + 16u, col0 + 4u, c41); store(cb, row0 + 16u, col0 + 8u, c42); store(cb, row0 + 16u, col0 + 12u, c43);
    store(cb, row0 + 20u, col0 + 0u, c50); store(cb, row0 + 20u, col0 + 4u, c51); store(cb, row0 + 20u, col0 + 8u, c52); store(cb, row0 + 20u, col0 + 12u, c53);
    store(cb, row0 + 24u, col0 + 0u, c60); store(cb, row0 + 24u, col0 + 4u, c61); store(cb, row0 + 24u, col0 + 8u, c62); store(cb, row0 + 24u, col0 + 12u, c63);
    store(cb, row0 + 28u, col0 + 0u, c70); store(cb, row0 + 28u, col0 + 4u, c71); store(cb, row0 + 28u, col0 + 8u, c72); store(cb, row0 + 28u, col0 + 12u, c73);
}
