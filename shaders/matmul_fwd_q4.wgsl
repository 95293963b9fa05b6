// matmul_fwd_q4: C = A·Wᵀ (+ bias) with W (N×K) stored as int4, one f32
// scale per group of 32 consecutive k of a row, dequantized in registers.
// Twin: cpu.MatMulForwardQ4(c, a, wq, scale, bias, dims).
//
// Scheme (see model/cpu/quant.go, QuantizeQ4): symmetric, group size 32
// along K, scale = max|w|/7 over the group, q in [-8, 7] as a two's-
// complement nibble, w = f32(q)·scale. Eight q per u32: element k of row n
// is nibble k%8 (bits 4·(k%8)..) of word n·K/8 + k/8; scales are (N, K/32)
// row-major. K must be a multiple of 32. W is one shared weight: dims.B is
// {row: K/8 words, off 0, no batch strides}; A, C, batching and flags
// (bit 0: bias) as in matmul_fwd.wgsl.
//
// A 16×32 register block per invocation (matmul_fwd says why; here B is
// cheap, so the block is wide rather than tall); per group the 32
// scales are loaded once, then each weight word brings eight k.

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

// Nibbles 4h..4h+3 of a word, sign-extended by an arithmetic shift.
fn nib4(w: u32, h: u32) -> vec4<f32> {
    let s = 16u * h;
    return vec4<f32>(vec4<i32>(bitcast<i32>(w << (28u - s)) >> 28u, bitcast<i32>(w << (24u - s)) >> 28u,
        bitcast<i32>(w << (20u - s)) >> 28u, bitcast<i32>(w << (16u - s)) >> 28u));
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
    // Weight rows (in words) and scale rows, clamped into the matrix.
    let groups = p.k / 32u;
    let w0 = bb + min(col0 + 0u, p.n - 1u) * p.b_row;
    let r0 = min(col0 + 0u, p.n - 1u) * groups;
    let w1 = bb + min(col0 + 1u, p.n - 1u) * p.b_row;
    let r1 = min(col0 + 1u, p.n - 1u) * groups;
    let w2 = bb + min(col0 + 2u, p.n - 1u) * p.b_row;
    let r2 = min(col0 + 2u, p.n - 1u) * groups;
    let w3 = bb + min(col0 + 3u, p.n - 1u) * p.b_row;
    let r3 = min(col0 + 3u, p.n - 1u) * groups;
    let w4 = bb + min(col0 + 4u, p.n - 1u) * p.b_row;
    let r4 = min(col0 + 4u, p.n - 1u) * groups;
    let w5 = bb + min(col0 + 5u, p.n - 1u) * p.b_row;
    let r5 = min(col0 + 5u, p.n - 1u) * groups;
    let w6 = bb + min(col0 + 6u, p.n - 1u) * p.b_row;
    let r6 = min(col0 + 6u, p.n - 1u) * groups;
    let w7 = bb + min(col0 + 7u, p.n - 1u) * p.b_row;
    let r7 = min(col0 + 7u, p.n - 1u) * groups;
    let w8 = bb + min(col0 + 8u, p.n - 1u) * p.b_row;
    let r8 = min(col0 + 8u, p.n - 1u) * groups;
    let w9 = bb + min(col0 + 9u, p.n - 1u) * p.b_row;
    let r9 = min(col0 + 9u, p.n - 1u) * groups;
    let w10 = bb + min(col0 + 10u, p.n - 1u) * p.b_row;
    let r10 = min(col0 + 10u, p.n - 1u) * groups;
    let w11 = bb + min(col0 + 11u, p.n - 1u) * p.b_row;
    let r11 = min(col0 + 11u, p.n - 1u) * groups;
    let w12 = bb + min(col0 + 12u, p.n - 1u) * p.b_row;
    let r12 = min(col0 + 12u, p.n - 1u) * groups;
    let w13 = bb + min(col0 + 13u, p.n - 1u) * p.b_row;
    let r13 = min(col0 + 13u, p.n - 1u) * groups;
    let w14 = bb + min(col0 + 14u, p.n - 1u) * p.b_row;
    let r14 = min(col0 + 14u, p.n - 1u) * groups;
    let w15 = bb + min(col0 + 15u, p.n - 1u) * p.b_row;
    let r15 = min(col0 + 15u, p.n - 1u) * groups;
    let w16 = bb + min(col0 + 16u, p.n - 1u) * p.b_row;
    let r16 = min(col0 + 16u, p.n - 1u) * groups;
    let w17 = bb + min(col0 + 17u, p.n - 1u) * p.b_row;
    let r17 = min(col0 + 17u, p.n - 1u) * groups;
    let w18 = bb + min(col0 + 18u, p.n - 1u) * p.b_row;
    let r18 = min(col0 + 18u, p.n - 1u) * groups;
    let w19 = bb + min(col0 + 19u, p.n - 1u) * p.b_row;
    let r19 = min(col0 + 19u, p.n - 1u) * groups;
    let w20 = bb + min(col0 + 20u, p.n - 1u) * p.b_row;
    let r20 = min(col0 + 20u, p.n - 1u) * groups;
    let w21 = bb + min(col0 + 21u, p.n - 1u) * p.b_row;
    let r21 = min(col0 + 21u, p.n - 1u) * groups;
    let w22 = bb + min(col0 + 22u, p.n - 1u) * p.b_row;
    let r22 = min(col0 + 22u, p.n - 1u) * groups;
    let w23 = bb + min(col0 + 23u, p.n - 1u) * p.b_row;
    let r23 = min(col0 + 23u, p.n - 1u) * groups;
    let w24 = bb + min(col0 + 24u, p.n - 1u) * p.b_row;
    let r24 = min(col0 + 24u, p.n - 1u) * groups;
    let w25 = bb + min(col0 + 25u, p.n - 1u) * p.b_row;
    let r25 = min(col0 + 25u, p.n - 1u) * groups;
    let w26 = bb + min(col0 + 26u, p.n - 1u) * p.b_row;
    let r26 = min(col0 + 26u, p.n - 1u) * groups;
    let w27 = bb + min(col0 + 27u, p.n - 1u) * p.b_row;
    let r27 = min(col0 + 27u, p.n - 1u) * groups;
    let w28 = bb + min(col0 + 28u, p.n - 1u) * p.b_row;
    let r28 = min(col0 + 28u, p.n - 1u) * groups;
    let w29 = bb + min(col0 + 29u, p.n - 1u) * p.b_row;
    let r29 = min(col0 + 29u, p.n - 1u) * groups;
    let w30 = bb + min(col0 + 30u, p.n - 1u) * p.b_row;
    let r30 = min(col0 + 30u, p.n - 1u) * groups;
    let w31 = bb + min(col0 + 31u, p.n - 1u) * p.b_row;
    let r31 = min(col0 + 31u, p.n - 1u) * groups;
    // c<i><j> accumulates transpose(rows 4i.. of A) · (weights 4j..): its
    // [column c][row r] is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>(); var c04 = mat4x4<f32>(); var c05 = mat4x4<f32>(); var c06 = mat4x4<f32>(); var c07 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>(); var c14 = mat4x4<f32>(); var c15 = mat4x4<f32>(); var c16 = mat4x4<f32>(); var c17 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>(); var c24 = mat4x4<f32>(); var c25 = mat4x4<f32>(); var c26 = mat4x4<f32>(); var c27 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>(); var c34 = mat4x4<f32>(); var c35 = mat4x4<f32>(); var c36 = mat4x4<f32>(); var c37 = mat4x4<f32>();
    for (var g = 0u; g < groups; g++) {
        let s0 = scale[r0 + g];
        let s1 = scale[r1 + g];
        let s2 = scale[r2 + g];
        let s3 = scale[r3 + g];
        let s4 = scale[r4 + g];
        let s5 = scale[r5 + g];
        let s6 = scale[r6 + g];
        let s7 = scale[r7 + g];
        let s8 = scale[r8 + g];
        let s9 = scale[r9 + g];
        let s10 = scale[r10 + g];
        let s11 = scale[r11 + g];
        let s12 = scale[r12 + g];
        let s13 = scale[r13 + g];
        let s14 = scale[r14 + g];
        let s15 = scale[r15 + g];
        let s16 = scale[r16 + g];
        let s17 = scale[r17 + g];
        let s18 = scale[r18 + g];
        let s19 = scale[r19 + g];
        let s20 = scale[r20 + g];
        let s21 = scale[r21 + g];
        let s22 = scale[r22 + g];
        let s23 = scale[r23 + g];
        let s24 = scale[r24 + g];
        let s25 = scale[r25 + g];
        let s26 = scale[r26 + g];
        let s27 = scale[r27 + g];
        let s28 = scale[r28 + g];
        let s29 = scale[r29 + g];
        let s30 = scale[r30 + g];
        let s31 = scale[r31 + g];
        for (var kw = g * 4u; kw < g * 4u + 4u; kw++) {
            let k = kw * 8u;
            let q0 = wq[w0 + kw];
            let q1 = wq[w1 + kw];
            let q2 = wq[w2 + kw];
            let q3 = wq[w3 + kw];
            let q4 = wq[w4 + kw];
            let q5 = wq[w5 + kw];
            let q6 = wq[w6 + kw];
            let q7 = wq[w7 + kw];
            let q8 = wq[w8 + kw];
            let q9 = wq[w9 + kw];
            let q10 = wq[w10 + kw];
            let q11 = wq[w11 + kw];
            let q12 = wq[w12 + kw];
            let q13 = wq[w13 + kw];
            let q14 = wq[w14 + kw];
            let q15 = wq[w15 + kw];
            let q16 = wq[w16 + kw];
            let q17 = wq[w17 + kw];
            let q18 = wq[w18 + kw];
            let q19 = wq[w19 + kw];
            let q20 = wq[w20 + kw];
            let q21 = wq[w21 + kw];
            let q22 = wq[w22 + kw];
            let q23 = wq[w23 + kw];
            let q24 = wq[w24 + kw];
            let q25 = wq[w25 + kw];
            let q26 = wq[w26 + kw];
            let q27 = wq[w27 + kw];
            let q28 = wq[w28 + kw];
            let q29 = wq[w29 + kw];
            let q30 = wq[w30 + kw];
            let q31 = wq[w31 + kw];
            {
                let x0 = transpose(mat4x4<f32>(af(a0_ + k), af(a1_ + k), af(a2_ + k), af(a3_ + k)));
                let x1 = transpose(mat4x4<f32>(af(a4_ + k), af(a5_ + k), af(a6_ + k), af(a7_ + k)));
                let x2 = transpose(mat4x4<f32>(af(a8_ + k), af(a9_ + k), af(a10_ + k), af(a11_ + k)));
                let x3 = transpose(mat4x4<f32>(af(a12_ + k), af(a13_ + k), af(a14_ + k), af(a15_ + k)));
                let y0 = mat4x4<f32>(nib4(q0, 0u) * s0, nib4(q1, 0u) * s1, nib4(q2, 0u) * s2, nib4(q3, 0u) * s3);
                let y1 = mat4x4<f32>(nib4(q4, 0u) * s4, nib4(q5, 0u) * s5, nib4(q6, 0u) * s6, nib4(q7, 0u) * s7);
                let y2 = mat4x4<f32>(nib4(q8, 0u) * s8, nib4(q9, 0u) * s9, nib4(q10, 0u) * s10, nib4(q11, 0u) * s11);
                let y3 = mat4x4<f32>(nib4(q12, 0u) * s12, nib4(q13, 0u) * s13, nib4(q14, 0u) * s14, nib4(q15, 0u) * s15);
                let y4 = mat4x4<f32>(nib4(q16, 0u) * s16, nib4(q17, 0u) * s17, nib4(q18, 0u) * s18, nib4(q19, 0u) * s19);
                let y5 = mat4x4<f32>(nib4(q20, 0u) * s20, nib4(q21, 0u) * s21, nib4(q22, 0u) * s22, nib4(q23, 0u) * s23);
                let y6 = mat4x4<f32>(nib4(q24, 0u) * s24, nib4(q25, 0u) * s25, nib4(q26, 0u) * s26, nib4(q27, 0u) * s27);
                let y7 = mat4x4<f32>(nib4(q28, 0u) * s28, nib4(q29, 0u) * s29, nib4(q30, 0u) * s30, nib4(q31, 0u) * s31);
                c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; c04 += x0 * y4; c05 += x0 * y5; c06 += x0 * y6; c07 += x0 * y7;
                c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; c14 += x1 * y4; c15 += x1 * y5; c16 += x1 * y6; c17 += x1 * y7;
                c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; c24 += x2 * y4; c25 += x2 * y5; c26 += x2 * y6; c27 += x2 * y7;
                c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; c34 += x3 * y4; c35 += x3 * y5; c36 += x3 * y6; c37 += x3 * y7;
            }
            {
                let x0 = transpose(mat4x4<f32>(af(a0_ + k + 4u), af(a1_ + k + 4u), af(a2_ + k + 4u), af(a3_ + k + 4u)));
                let x1 = transpose(mat4x4<f32>(af(a4_ + k + 4u), af(a5_ + k + 4u), af(a6_ + k + 4u), af(a7_ + k + 4u)));
                let x2 = transpose(mat4x4<f32>(af(a8_ + k + 4u), af(a9_ + k + 4u), af(a10_ + k + 4u), af(a11_ + k + 4u)));
                let x3 = transpose(mat4x4<f32>(af(a12_ + k + 4u), af(a13_ + k + 4u), af(a14_ + k + 4u), af(a15_ + k + 4u)));
                let y0 = mat4x4<f32>(nib4(q0, 1u) * s0, nib4(q1, 1u) * s1, nib4(q2, 1u) * s2, nib4(q3, 1u) * s3);
                let y1 = mat4x4<f32>(nib4(q4, 1u) * s4, nib4(q5, 1u) * s5, nib4(q6, 1u) * s6, nib4(q7, 1u) * s7);
                let y2 = mat4x4<f32>(nib4(q8, 1u) * s8, nib4(q9, 1u) * s9, nib4(q10, 1u) * s10, nib4(q11, 1u) * s11);
                let y3 = mat4x4<f32>(nib4(q12, 1u) * s12, nib4(q13, 1u) * s13, nib4(q14, 1u) * s14, nib4(q15, 1u) * s15);
                let y4 = mat4x4<f32>(nib4(q16, 1u) * s16, nib4(q17, 1u) * s17, nib4(q18, 1u) * s18, nib4(q19, 1u) * s19);
                let y5 = mat4x4<f32>(nib4(q20, 1u) * s20, nib4(q21, 1u) * s21, nib4(q22, 1u) * s22, nib4(q23, 1u) * s23);
                let y6 = mat4x4<f32>(nib4(q24, 1u) * s24, nib4(q25, 1u) * s25, nib4(q26, 1u) * s26, nib4(q27, 1u) * s27);
                let y7 = mat4x4<f32>(nib4(q28, 1u) * s28, nib4(q29, 1u) * s29, nib4(q30, 1u) * s30, nib4(q31, 1u) * s31);
                c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; c04 += x0 * y4; c05 += x0 * y5; c06 += x0 * y6; c07 += x0 * y7;
                c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; c14 += x1 * y4; c15 += x1 * y5; c16 += x1 * y6; c17 += x1 * y7;
                c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; c24 += x2 * y4; c25 += x2 * y5; c26 += x2 * y6; c27 += x2 * y7;
                c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; c34 += x3 * y4; c35 += x3 * y5; c36 += x3 * y6; c37 += x3 * y7;
            }
        }
    }
    if (row0 >= p.m || col0 >= p.n) { return; }
    store(cb, row0 + 0u, col0 + 0u, c00); store(cb, row0 + 0u, col0 + 4u, c01); store(cb, row0 + 0u, col0 + 8u, c02); store(cb, row0 + 0u, col0 + 12u, c03); store(cb, row0 + 0u, col0 + 16u, c04); store(cb, row0 + 0u, col0 + 20u, c05); store(cb, row0 + 0u, col0 + 24u, c06); store(cb, row0 + 0u, col0 + 28u, c07);
    store(cb, row0 + 4u, col0 + 0u, c10); store(cb, row0 + 4u, col0 + 4u, c11); store(cb, row0 + 4u, col0 + 8u, c12); store(cb, row0 + 4u, col0 + 12u, c13); store(cb, row0 + 4u, col0 + 16u, c14); store(cb, row0 + 4u, col0 + 20u, c15); store(cb, row0 + 4u, col0 + 24u, c16); store(cb, row0 + 4u, col0 + 28u, c17);
    store(cb, row0 + 8u, col0 + 0u, c20); store(cb, row0 + 8u, col0 + 4u, c21); store(cb, row0 + 8u, col0 + 8u, c22); store(cb, row0 + 8u, col0 + 12u, c23); store(cb, row0 + 8u, col0 + 16u, c24); store(cb, row0 + 8u, col0 + 20u, c25); store(cb, row0 + 8u, col0 + 24u, c26); store(cb, row0 + 8u, col0 + 28u, c27);
    store(cb, row0 + 12u, col0 + 0u, c30); store(cb, row0 + 12u, col0 + 4u, c31); store(cb, row0 + 12u, col0 + 8u, c32); store(cb, row0 + 12u, col0 + 12u, c33); store(cb, row0 + 12u, col0 + 16u, c34); store(cb, row0 + 12u, col0 + 20u, c35); store(cb, row0 + 12u, col0 + 24u, c36); store(cb, row0 + 12u, col0 + 28u, c37);
}
