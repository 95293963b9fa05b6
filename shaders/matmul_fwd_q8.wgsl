// matmul_fwd_q8: C = A·Wᵀ (+ bias) with W (N×K) stored as int8, one f32
// scale per output channel (row of W), dequantized in registers.
// Twin: cpu.MatMulForwardQ8(c, a, wq, scale, bias, dims).
//
// Scheme (see model/cpu/quant.go, QuantizeQ8): symmetric, scale = max|w|/127
// per row, w = f32(q)·scale. Four q per u32, little-endian: element k of row
// n is byte k%4 of word n·K/4 + k/4. K must be a multiple of 4. W is one
// shared weight: dims.B is {row: K/4 words, off 0, no batch strides};
// A, C, batching and flags (bit 0: bias) as in matmul_fwd.wgsl.
//
// A 16×32 register block per invocation (matmul_fwd says why; here B is
// cheap, so the block is wide rather than tall); a weight word
// brings four k at once, so B costs a quarter of the loads of the f32 kernel.

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> wq: array<u32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

@group(0) @binding(5) var<uniform> p: Params;

// #import matmul_a
// #import matmul_store_bias

const TM = 16u;
const TN = 32u;
const WG = 8u;

// Four int8 of a word, sign-extended by an arithmetic shift.
fn q8(w: u32) -> vec4<f32> {
    return vec4<f32>(vec4<i32>(bitcast<i32>(w << 24u) >> 24u, bitcast<i32>(w << 16u) >> 24u,
        bitcast<i32>(w << 8u) >> 24u, bitcast<i32>(w) >> 24u));
}

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
    // Weight rows (in words) and their scales, clamped into the matrix.
    let w0 = bb + min(col0 + 0u, p.n - 1u) * p.b_row;
    let s0 = scale[min(col0 + 0u, p.n - 1u)];
    let w1 = bb + min(col0 + 1u, p.n - 1u) * p.b_row;
    let s1 = scale[min(col0 + 1u, p.n - 1u)];
    let w2 = bb + min(col0 + 2u, p.n - 1u) * p.b_row;
    let s2 = scale[min(col0 + 2u, p.n - 1u)];
    let w3 = bb + min(col0 + 3u, p.n - 1u) * p.b_row;
    let s3 = scale[min(col0 + 3u, p.n - 1u)];
    let w4 = bb + min(col0 + 4u, p.n - 1u) * p.b_row;
    let s4 = scale[min(col0 + 4u, p.n - 1u)];
    let w5 = bb + min(col0 + 5u, p.n - 1u) * p.b_row;
    let s5 = scale[min(col0 + 5u, p.n - 1u)];
    let w6 = bb + min(col0 + 6u, p.n - 1u) * p.b_row;
    let s6 = scale[min(col0 + 6u, p.n - 1u)];
    let w7 = bb + min(col0 + 7u, p.n - 1u) * p.b_row;
    let s7 = scale[min(col0 + 7u, p.n - 1u)];
    let w8 = bb + min(col0 + 8u, p.n - 1u) * p.b_row;
    let s8 = scale[min(col0 + 8u, p.n - 1u)];
    let w9 = bb + min(col0 + 9u, p.n - 1u) * p.b_row;
    let s9 = scale[min(col0 + 9u, p.n - 1u)];
    let w10 = bb + min(col0 + 10u, p.n - 1u) * p.b_row;
    let s10 = scale[min(col0 + 10u, p.n - 1u)];
    let w11 = bb + min(col0 + 11u, p.n - 1u) * p.b_row;
    let s11 = scale[min(col0 + 11u, p.n - 1u)];
    let w12 = bb + min(col0 + 12u, p.n - 1u) * p.b_row;
    let s12 = scale[min(col0 + 12u, p.n - 1u)];
    let w13 = bb + min(col0 + 13u, p.n - 1u) * p.b_row;
    let s13 = scale[min(col0 + 13u, p.n - 1u)];
    let w14 = bb + min(col0 + 14u, p.n - 1u) * p.b_row;
    let s14 = scale[min(col0 + 14u, p.n - 1u)];
    let w15 = bb + min(col0 + 15u, p.n - 1u) * p.b_row;
    let s15 = scale[min(col0 + 15u, p.n - 1u)];
    let w16 = bb + min(col0 + 16u, p.n - 1u) * p.b_row;
    let s16 = scale[min(col0 + 16u, p.n - 1u)];
    let w17 = bb + min(col0 + 17u, p.n - 1u) * p.b_row;
    let s17 = scale[min(col0 + 17u, p.n - 1u)];
    let w18 = bb + min(col0 + 18u, p.n - 1u) * p.b_row;
    let s18 = scale[min(col0 + 18u, p.n - 1u)];
    let w19 = bb + min(col0 + 19u, p.n - 1u) * p.b_row;
    let s19 = scale[min(col0 + 19u, p.n - 1u)];
    let w20 = bb + min(col0 + 20u, p.n - 1u) * p.b_row;
    let s20 = scale[min(col0 + 20u, p.n - 1u)];
    let w21 = bb + min(col0 + 21u, p.n - 1u) * p.b_row;
    let s21 = scale[min(col0 + 21u, p.n - 1u)];
    let w22 = bb + min(col0 + 22u, p.n - 1u) * p.b_row;
    let s22 = scale[min(col0 + 22u, p.n - 1u)];
    let w23 = bb + min(col0 + 23u, p.n - 1u) * p.b_row;
    let s23 = scale[min(col0 + 23u, p.n - 1u)];
    let w24 = bb + min(col0 + 24u, p.n - 1u) * p.b_row;
    let s24 = scale[min(col0 + 24u, p.n - 1u)];
    let w25 = bb + min(col0 + 25u, p.n - 1u) * p.b_row;
    let s25 = scale[min(col0 + 25u, p.n - 1u)];
    let w26 = bb + min(col0 + 26u, p.n - 1u) * p.b_row;
    let s26 = scale[min(col0 + 26u, p.n - 1u)];
    let w27 = bb + min(col0 + 27u, p.n - 1u) * p.b_row;
    let s27 = scale[min(col0 + 27u, p.n - 1u)];
    let w28 = bb + min(col0 + 28u, p.n - 1u) * p.b_row;
    let s28 = scale[min(col0 + 28u, p.n - 1u)];
    let w29 = bb + min(col0 + 29u, p.n - 1u) * p.b_row;
    let s29 = scale[min(col0 + 29u, p.n - 1u)];
    let w30 = bb + min(col0 + 30u, p.n - 1u) * p.b_row;
    let s30 = scale[min(col0 + 30u, p.n - 1u)];
    let w31 = bb + min(col0 + 31u, p.n - 1u) * p.b_row;
    let s31 = scale[min(col0 + 31u, p.n - 1u)];
    // c<i><j> accumulates transpose(rows 4i.. of A) · (weights 4j..): its
    // [column c][row r] is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>(); var c04 = mat4x4<f32>(); var c05 = mat4x4<f32>(); var c06 = mat4x4<f32>(); var c07 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>(); var c14 = mat4x4<f32>(); var c15 = mat4x4<f32>(); var c16 = mat4x4<f32>(); var c17 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>(); var c24 = mat4x4<f32>(); var c25 = mat4x4<f32>(); var c26 = mat4x4<f32>(); var c27 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>(); var c34 = mat4x4<f32>(); var c35 = mat4x4<f32>(); var c36 = mat4x4<f32>(); var c37 = mat4x4<f32>();
    for (var k = 0u; k < p.k; k += 4u) {
        let kw = k / 4u;
        let x0 = transpose(mat4x4<f32>(af(a0_ + k), af(a1_ + k), af(a2_ + k), af(a3_ + k)));
        let x1 = transpose(mat4x4<f32>(af(a4_ + k), af(a5_ + k), af(a6_ + k), af(a7_ + k)));
        let x2 = transpose(mat4x4<f32>(af(a8_ + k), af(a9_ + k), af(a10_ + k), af(a11_ + k)));
        let x3 = transpose(mat4x4<f32>(af(a12_ + k), af(a13_ + k), af(a14_ + k), af(a15_ + k)));
        let y0 = mat4x4<f32>(q8(wq[w0 + kw]) * s0, q8(wq[w1 + kw]) * s1, q8(wq[w2 + kw]) * s2, q8(wq[w3 + kw]) * s3);
        let y1 = mat4x4<f32>(q8(wq[w4 + kw]) * s4, q8(wq[w5 + kw]) * s5, q8(wq[w6 + kw]) * s6, q8(wq[w7 + kw]) * s7);
        let y2 = mat4x4<f32>(q8(wq[w8 + kw]) * s8, q8(wq[w9 + kw]) * s9, q8(wq[w10 + kw]) * s10, q8(wq[w11 + kw]) * s11);
        let y3 = mat4x4<f32>(q8(wq[w12 + kw]) * s12, q8(wq[w13 + kw]) * s13, q8(wq[w14 + kw]) * s14, q8(wq[w15 + kw]) * s15);
        let y4 = mat4x4<f32>(q8(wq[w16 + kw]) * s16, q8(wq[w17 + kw]) * s17, q8(wq[w18 + kw]) * s18, q8(wq[w19 + kw]) * s19);
        let y5 = mat4x4<f32>(q8(wq[w20 + kw]) * s20, q8(wq[w21 + kw]) * s21, q8(wq[w22 + kw]) * s22, q8(wq[w23 + kw]) * s23);
        let y6 = mat4x4<f32>(q8(wq[w24 + kw]) * s24, q8(wq[w25 + kw]) * s25, q8(wq[w26 + kw]) * s26, q8(wq[w27 + kw]) * s27);
        let y7 = mat4x4<f32>(q8(wq[w28 + kw]) * s28, q8(wq[w29 + kw]) * s29, q8(wq[w30 + kw]) * s30, q8(wq[w31 + kw]) * s31);
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; c04 += x0 * y4; c05 += x0 * y5; c06 += x0 * y6; c07 += x0 * y7;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; c14 += x1 * y4; c15 += x1 * y5; c16 += x1 * y6; c17 += x1 * y7;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; c24 += x2 * y4; c25 += x2 * y5; c26 += x2 * y6; c27 += x2 * y7;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; c34 += x3 * y4; c35 += x3 * y5; c36 += x3 * y6; c37 += x3 * y7;
    }
    if (row0 >= p.m || col0 >= p.n) { return; }
    store(cb, row0 + 0u, col0 + 0u, c00); store(cb, row0 + 0u, col0 + 4u, c01); store(cb, row0 + 0u, col0 + 8u, c02); store(cb, row0 + 0u, col0 + 12u, c03); store(cb, row0 + 0u, col0 + 16u, c04); store(cb, row0 + 0u, col0 + 20u, c05); store(cb, row0 + 0u, col0 + 24u, c06); store(cb, row0 + 0u, col0 + 28u, c07);
    store(cb, row0 + 4u, col0 + 0u, c10); store(cb, row0 + 4u, col0 + 4u, c11); store(cb, row0 + 4u, col0 + 8u, c12); store(cb, row0 + 4u, col0 + 12u, c13); store(cb, row0 + 4u, col0 + 16u, c14); store(cb, row0 + 4u, col0 + 20u, c15); store(cb, row0 + 4u, col0 + 24u, c16); store(cb, row0 + 4u, col0 + 28u, c17);
    store(cb, row0 + 8u, col0 + 0u, c20); store(cb, row0 + 8u, col0 + 4u, c21); store(cb, row0 + 8u, col0 + 8u, c22); store(cb, row0 + 8u, col0 + 12u, c23); store(cb, row0 + 8u, col0 + 16u, c24); store(cb, row0 + 8u, col0 + 20u, c25); store(cb, row0 + 8u, col0 + 24u, c26); store(cb, row0 + 8u, col0 + 28u, c27);
    store(cb, row0 + 12u, col0 + 0u, c30); store(cb, row0 + 12u, col0 + 4u, c31); store(cb, row0 + 12u, col0 + 8u, c32); store(cb, row0 + 12u, col0 + 12u, c33); store(cb, row0 + 12u, col0 + 16u, c34); store(cb, row0 + 12u, col0 + 20u, c35); store(cb, row0 + 12u, col0 + 24u, c36); store(cb, row0 + 12u, col0 + 28u, c37);
}
