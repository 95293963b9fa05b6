// matmul_bwd_weight: C (+)= Aᵀ·B, batched over strided views: the "TN"
// product. It is a Linear's weight gradient, dW = dYᵀ·X with A = dY
// (tokens × out) and B = X (tokens × in), and attention's dK, dV.
// Twin: cpu.MatMulBackwardWeight(c, a, b, dims).
//
// Shapes: A stored (K×M), B (K×N), C (M×N); views and batching exactly as in
// matmul_fwd.wgsl. flags bit 1: add into C (gradient accumulation) instead
// of overwriting it; each element is owned by one invocation, so the
// read-modify-write is race-free.
//
// lavapipe variant: a 16×16 register block per invocation (matmul_fwd says
// why register blocking; it uses 32×16): per four k, four rows of A (16 columns each)
// and four rows of B (16 columns each). Rows and columns past the edge are
// clamped for loading and skipped at the store; a K that is not a multiple
// of 4 takes one extra step whose rows past K are zeroed.

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

@group(0) @binding(3) var<uniform> p: Params;

// #import matmul_params

const TM = 16u;
const TN = 16u;
const WG = 8u;

// m is a 4×4 block with [column r][row c] = C[row + r][col + c].
fn store(base: u32, row: u32, col: u32, m: mat4x4<f32>) {
    for (var r = 0u; r < 4u; r++) {
        if (row + r >= p.m) { break; }
        for (var cc = 0u; cc < 4u; cc++) {
            if (col + cc < p.n) {
                let at = base + (row + r) * p.c_row + col + cc;
                var v = m[r][cc];
                if ((p.flags & 2u) != 0u) { v += c[at]; }
                c[at] = v;
            }
        }
    }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let zoff = batch_offsets(wid.z);
    let ab = zoff.x;
    let bb = zoff.y;
    let cb = zoff.z;
    let row0 = wid.y * TM;
    let col0 = gid.x * TN;
    // Column offsets of A and B, clamped into the matrix.
    let m0 = ab + min(row0 + 0u, p.m - 1u);
    let m1 = ab + min(row0 + 1u, p.m - 1u);
    let m2 = ab + min(row0 + 2u, p.m - 1u);
    let m3 = ab + min(row0 + 3u, p.m - 1u);
    let m4 = ab + min(row0 + 4u, p.m - 1u);
    let m5 = ab + min(row0 + 5u, p.m - 1u);
    let m6 = ab + min(row0 + 6u, p.m - 1u);
    let m7 = ab + min(row0 + 7u, p.m - 1u);
    let m8 = ab + min(row0 + 8u, p.m - 1u);
    let m9 = ab + min(row0 + 9u, p.m - 1u);
    let m10 = ab + min(row0 + 10u, p.m - 1u);
    let m11 = ab + min(row0 + 11u, p.m - 1u);
    let m12 = ab + min(row0 + 12u, p.m - 1u);
    let m13 = ab + min(row0 + 13u, p.m - 1u);
    let m14 = ab + min(row0 + 14u, p.m - 1u);
    let m15 = ab + min(row0 + 15u, p.m - 1u);
    let n0 = bb + min(col0 + 0u, p.n - 1u);
    let n1 = bb + min(col0 + 1u, p.n - 1u);
    let n2 = bb + min(col0 + 2u, p.n - 1u);
    let n3 = bb + min(col0 + 3u, p.n - 1u);
    let n4 = bb + min(col0 + 4u, p.n - 1u);
    let n5 = bb + min(col0 + 5u, p.n - 1u);
    let n6 = bb + min(col0 + 6u, p.n - 1u);
    let n7 = bb + min(col0 + 7u, p.n - 1u);
    let n8 = bb + min(col0 + 8u, p.n - 1u);
    let n9 = bb + min(col0 + 9u, p.n - 1u);
    let n10 = bb + min(col0 + 10u, p.n - 1u);
    let n11 = bb + min(col0 + 11u, p.n - 1u);
    let n12 = bb + min(col0 + 12u, p.n - 1u);
    let n13 = bb + min(col0 + 13u, p.n - 1u);
    let n14 = bb + min(col0 + 14u, p.n - 1u);
    let n15 = bb + min(col0 + 15u, p.n - 1u);
    // c<i><j> accumulates (B block j)·(A block i)ᵀ: its [column r][row c]
    // is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>();
    let kfull = p.k & ~3u;
    for (var k = 0u; k < kfull; k += 4u) {
        let ra0 = (k + 0u) * p.a_row;
        let rb0 = (k + 0u) * p.b_row;
        let ra1 = (k + 1u) * p.a_row;
        let rb1 = (k + 1u) * p.b_row;
        let ra2 = (k + 2u) * p.a_row;
        let rb2 = (k + 2u) * p.b_row;
        let ra3 = (k + 3u) * p.a_row;
        let rb3 = (k + 3u) * p.b_row;
        let x0 = transpose(mat4x4<f32>(vec4<f32>(a[ra0 + m0], a[ra0 + m1], a[ra0 + m2], a[ra0 + m3]), vec4<f32>(a[ra1 + m0], a[ra1 + m1], a[ra1 + m2], a[ra1 + m3]), vec4<f32>(a[ra2 + m0], a[ra2 + m1], a[ra2 + m2], a[ra2 + m3]), vec4<f32>(a[ra3 + m0], a[ra3 + m1], a[ra3 + m2], a[ra3 + m3])));
        let x1 = transpose(mat4x4<f32>(vec4<f32>(a[ra0 + m4], a[ra0 + m5], a[ra0 + m6], a[ra0 + m7]), vec4<f32>(a[ra1 + m4], a[ra1 + m5], a[ra1 + m6], a[ra1 + m7]), vec4<f32>(a[ra2 + m4], a[ra2 + m5], a[ra2 + m6], a[ra2 + m7]), vec4<f32>(a[ra3 + m4], a[ra3 + m5], a[ra3 + m6], a[ra3 + m7])));
        let x2 = transpose(mat4x4<f32>(vec4<f32>(a[ra0 + m8], a[ra0 + m9], a[ra0 + m10], a[ra0 + m11]), vec4<f32>(a[ra1 + m8], a[ra1 + m9], a[ra1 + m10], a[ra1 + m11]), vec4<f32>(a[ra2 + m8], a[ra2 + m9], a[ra2 + m10], a[ra2 + m11]), vec4<f32>(a[ra3 + m8], a[ra3 + m9], a[ra3 + m10], a[ra3 + m11])));
        let x3 = transpose(mat4x4<f32>(vec4<f32>(a[ra0 + m12], a[ra0 + m13], a[ra0 + m14], a[ra0 + m15]), vec4<f32>(a[ra1 + m12], a[ra1 + m13], a[ra1 + m14], a[ra1 + m15]), vec4<f32>(a[ra2 + m12], a[ra2 + m13], a[ra2 + m14], a[ra2 + m15]), vec4<f32>(a[ra3 + m12], a[ra3 + m13], a[ra3 + m14], a[ra3 + m15])));
        let y0 = mat4x4<f32>(vec4<f32>(b[rb0 + n0], b[rb0 + n1], b[rb0 + n2], b[rb0 + n3]), vec4<f32>(b[rb1 + n0], b[rb1 + n1], b[rb1 + n2], b[rb1 + n3]), vec4<f32>(b[rb2 + n0], b[rb2 + n1], b[rb2 + n2], b[rb2 + n3]), vec4<f32>(b[rb3 + n0], b[rb3 + n1], b[rb3 + n2], b[rb3 + n3]));
        let y1 = mat4x4<f32>(vec4<f32>(b[rb0 + n4], b[rb0 + n5], b[rb0 + n6], b[rb0 + n7]), vec4<f32>(b[rb1 + n4], b[rb1 + n5], b[rb1 + n6], b[rb1 + n7]), vec4<f32>(b[rb2 + n4], b[rb2 + n5], b[rb2 + n6], b[rb2 + n7]), vec4<f32>(b[rb3 + n4], b[rb3 + n5], b[rb3 + n6], b[rb3 + n7]));
        let y2 = mat4x4<f32>(vec4<f32>(b[rb0 + n8], b[rb0 + n9], b[rb0 + n10], b[rb0 + n11]), vec4<f32>(b[rb1 + n8], b[rb1 + n9], b[rb1 + n10], b[rb1 + n11]), vec4<f32>(b[rb2 + n8], b[rb2 + n9], b[rb2 + n10], b[rb2 + n11]), vec4<f32>(b[rb3 + n8], b[rb3 + n9], b[rb3 + n10], b[rb3 + n11]));
        let y3 = mat4x4<f32>(vec4<f32>(b[rb0 + n12], b[rb0 + n13], b[rb0 + n14], b[rb0 + n15]), vec4<f32>(b[rb1 + n12], b[rb1 + n13], b[rb1 + n14], b[rb1 + n15]), vec4<f32>(b[rb2 + n12], b[rb2 + n13], b[rb2 + n14], b[rb2 + n15]), vec4<f32>(b[rb3 + n12], b[rb3 + n13], b[rb3 + n14], b[rb3 + n15]));
        c00 += y0 * x0; c01 += y1 * x0; c02 += y2 * x0; c03 += y3 * x0;
        c10 += y0 * x1; c11 += y1 * x1; c12 += y2 * x1; c13 += y3 * x1;
        c20 += y0 * x2; c21 += y1 * x2; c22 += y2 * x2; c23 += y3 * x2;
        c30 += y0 * x3; c31 += y1 * x3; c32 += y2 * x3; c33 += y3 * x3;
    }
    if (kfull < p.k) {
        let k = kfull;
        let ra0 = min(k + 0u, p.k - 1u) * p.a_row;
        let rb0 = min(k + 0u, p.k - 1u) * p.b_row;
        let ra1 = min(k + 1u, p.k - 1u) * p.a_row;
        let rb1 = min(k + 1u, p.k - 1u) * p.b_row;
        let ra2 = min(k + 2u, p.k - 1u) * p.a_row;
        let rb2 = min(k + 2u, p.k - 1u) * p.b_row;
        let ra3 = min(k + 3u, p.k - 1u) * p.a_row;
        let rb3 = min(k + 3u, p.k - 1u) * p.b_row;
        let x0 = transpose(mat4x4<f32>(select(vec4<f32>(0.0), vec4<f32>(a[ra0 + m0], a[ra0 + m1], a[ra0 + m2], a[ra0 + m3]), k + 0u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra1 + m0], a[ra1 + m1], a[ra1 + m2], a[ra1 + m3]), k + 1u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra2 + m0], a[ra2 + m1], a[ra2 + m2], a[ra2 + m3]), k + 2u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra3 + m0], a[ra3 + m1], a[ra3 + m2], a[ra3 + m3]), k + 3u < p.k)));
        let x1 = transpose(mat4x4<f32>(select(vec4<f32>(0.0), vec4<f32>(a[ra0 + m4], a[ra0 + m5], a[ra0 + m6], a[ra0 + m7]), k + 0u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra1 + m4], a[ra1 + m5], a[ra1 + m6], a[ra1 + m7]), k + 1u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra2 + m4], a[ra2 + m5], a[ra2 + m6], a[ra2 + m7]), k + 2u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra3 + m4], a[ra3 + m5], a[ra3 + m6], a[ra3 + m7]), k + 3u < p.k)));
        let x2 = transpose(mat4x4<f32>(select(vec4<f32>(0.0), vec4<f32>(a[ra0 + m8], a[ra0 + m9], a[ra0 + m10], a[ra0 + m11]), k + 0u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra1 + m8], a[ra1 + m9], a[ra1 + m10], a[ra1 + m11]), k + 1u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra2 + m8], a[ra2 + m9], a[ra2 + m10], a[ra2 + m11]), k + 2u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra3 + m8], a[ra3 + m9], a[ra3 + m10], a[ra3 + m11]), k + 3u < p.k)));
        let x3 = transpose(mat4x4<f32>(select(vec4<f32>(0.0), vec4<f32>(a[ra0 + m12], a[ra0 + m13], a[ra0 + m14], a[ra0 + m15]), k + 0u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra1 + m12], a[ra1 + m13], a[ra1 + m14], a[ra1 + m15]), k + 1u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra2 + m12], a[ra2 + m13], a[ra2 + m14], a[ra2 + m15]), k + 2u < p.k), select(vec4<f32>(0.0), vec4<f32>(a[ra3 + m12], a[ra3 + m13], a[ra3 + m14], a[ra3 + m15]), k + 3u < p.k)));
        let y0 = mat4x4<f32>(vec4<f32>(b[rb0 + n0], b[rb0 + n1], b[rb0 + n2], b[rb0 + n3]), vec4<f32>(b[rb1 + n0], b[rb1 + n1], b[rb1 + n2], b[rb1 + n3]), vec4<f32>(b[rb2 + n0], b[rb2 + n1], b[rb2 + n2], b[rb2 + n3]), vec4<f32>(b[rb3 + n0], b[rb3 + n1], b[rb3 + n2], b[rb3 + n3]));
        let y1 = mat4x4<f32>(vec4<f32>(b[rb0 + n4], b[rb0 + n5], b[rb0 + n6], b[rb0 + n7]), vec4<f32>(b[rb1 + n4], b[rb1 + n5], b[rb1 + n6], b[rb1 + n7]), vec4<f32>(b[rb2 + n4], b[rb2 + n5], b[rb2 + n6], b[rb2 + n7]), vec4<f32>(b[rb3 + n4], b[rb3 + n5], b[rb3 + n6], b[rb3 + n7]));
        let y2 = mat4x4<f32>(vec4<f32>(b[rb0 + n8], b[rb0 + n9], b[rb0 + n10], b[rb0 + n11]), vec4<f32>(b[rb1 + n8], b[rb1 + n9], b[rb1 + n10], b[rb1 + n11]), vec4<f32>(b[rb2 + n8], b[rb2 + n9], b[rb2 + n10], b[rb2 + n11]), vec4<f32>(b[rb3 + n8], b[rb3 + n9], b[rb3 + n10], b[rb3 + n11]));
        let y3 = mat4x4<f32>(vec4<f32>(b[rb0 + n12], b[rb0 + n13], b[rb0 + n14], b[rb0 + n15]), vec4<f32>(b[rb1 + n12], b[rb1 + n13], b[rb1 + n14], b[rb1 + n15]), vec4<f32>(b[rb2 + n12], b[rb2 + n13], b[rb2 + n14], b[rb2 + n15]), vec4<f32>(b[rb3 + n12], b[rb3 + n13], b[rb3 + n14], b[rb3 + n15]));
        c00 += y0 * x0; c01 += y1 * x0; c02 += y2 * x0; c03 += y3 * x0;
        c10 += y0 * x1; c11 += y1 * x1; c12 += y2 * x1; c13 += y3 * x1;
        c20 += y0 * x2; c21 += y1 * x2; c22 += y2 * x2; c23 += y3 * x2;
        c30 += y0 * x3; c31 += y1 * x3; c32 += y2 * x3; c33 += y3 * x3;
    }
    if (row0 >= p.m || col0 >= p.n) { return; }
    store(cb, row0 + 0u, col0 + 0u, c00); store(cb, row0 + 0u, col0 + 4u, c01); store(cb, row0 + 0u, col0 + 8u, c02); store(cb, row0 + 0u, col0 + 12u, c03);
    store(cb, row0 + 4u, col0 + 0u, c10); store(cb, row0 + 4u, col0 + 4u, c11); store(cb, row0 + 4u, col0 + 8u, c12); store(cb, row0 + 4u, col0 + 12u, c13);
    store(cb, row0 + 8u, col0 + 0u, c20); store(cb, row0 + 8u, col0 + 4u, c21); store(cb, row0 + 8u, col0 + 8u, c22); store(cb, row0 + 8u, col0 + 12u, c23);
    store(cb, row0 + 12u, col0 + 0u, c30); store(cb, row0 + 12u, col0 + 4u, c31); store(cb, row0 + 12u, col0 + 8u, c32); store(cb, row0 + 12u, col0 + 12u, c33);
}
