// matmul_bwd_input: C = A·B, batched over strided views: the "NN" product.
// It is a Linear's input gradient, dX = dY·W (dY M×N_out, W N_out×K_in as
// stored), and attention's P·V with V read per head in place.
// Twin: cpu.MatMulBackwardInput(c, a, b, dims).
//
// Shapes: A (M×K), B (K×N), C (M×N); views and batching exactly as in
// matmul_fwd.wgsl (off + outer·(z / inner) + inner_stride·(z % inner) + i·row + j).
// flags bit 1: add into C instead of overwriting it (a Linear's dX added to
// the residual's gradient, which saves an add pass).
//
// lavapipe variant: a 16×16 register block per invocation (matmul_fwd says
// why register blocking; it uses 32×16): per four k, 16 rows of A as vec4 along K and
// four rows of B, 16 columns each. Rows and columns past the edge are
// clamped for loading and skipped at the store; a K that is not a multiple
// of 4 takes one extra step whose A values past K are zero.

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

@group(0) @binding(3) var<uniform> p: Params;

// #import matmul_a

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
    // Row starts of A and column offsets of B, clamped into the matrix.
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
    // c<i><j> accumulates (B block j)·(A rows block i): its [column r][row c]
    // is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>();
    let kfull = p.k & ~3u;
    for (var k = 0u; k < kfull; k += 4u) {
        let r0 = (k + 0u) * p.b_row;
        let r1 = (k + 1u) * p.b_row;
        let r2 = (k + 2u) * p.b_row;
        let r3 = (k + 3u) * p.b_row;
        let x0 = mat4x4<f32>(af(a0_ + k), af(a1_ + k), af(a2_ + k), af(a3_ + k));
        let x1 = mat4x4<f32>(af(a4_ + k), af(a5_ + k), af(a6_ + k), af(a7_ + k));
        let x2 = mat4x4<f32>(af(a8_ + k), af(a9_ + k), af(a10_ + k), af(a11_ + k));
        let x3 = mat4x4<f32>(af(a12_ + k), af(a13_ + k), af(a14_ + k), af(a15_ + k));
        let y0 = mat4x4<f32>(vec4<f32>(b[r0 + n0], b[r0 + n1], b[r0 + n2], b[r0 + n3]), vec4<f32>(b[r1 + n0], b[r1 + n1], b[r1 + n2], b[r1 + n3]), vec4<f32>(b[r2 + n0], b[r2 + n1], b[r2 + n2], b[r2 + n3]), vec4<f32>(b[r3 + n0], b[r3 + n1], b[r3 + n2], b[r3 + n3]));
        let y1 = mat4x4<f32>(vec4<f32>(b[r0 + n4], b[r0 + n5], b[r0 + n6], b[r0 + n7]), vec4<f32>(b[r1 + n4], b[r1 + n5], b[r1 + n6], b[r1 + n7]), vec4<f32>(b[r2 + n4], b[r2 + n5], b[r2 + n6], b[r2 + n7]), vec4<f32>(b[r3 + n4], b[r3 + n5], b[r3 + n6], b[r3 + n7]));
        let y2 = mat4x4<f32>(vec4<f32>(b[r0 + n8], b[r0 + n9], b[r0 + n10], b[r0 + n11]), vec4<f32>(b[r1 + n8], b[r1 + n9], b[r1 + n10], b[r1 + n11]), vec4<f32>(b[r2 + n8], b[r2 + n9], b[r2 + n10], b[r2 + n11]), vec4<f32>(b[r3 + n8], b[r3 + n9], b[r3 + n10], b[r3 + n11]));
        let y3 = mat4x4<f32>(vec4<f32>(b[r0 + n12], b[r0 + n13], b[r0 + n14], b[r0 + n15]), vec4<f32>(b[r1 + n12], b[r1 + n13], b[r1 + n14], b[r1 + n15]), vec4<f32>(b[r2 + n12], b[r2 + n13], b[r2 + n14], b[r2 + n15]), vec4<f32>(b[r3 + n12], b[r3 + n13], b[r3 + n14], b[r3 + n15]));
        c00 += y0 * x0; c01 += y1 * x0; c02 += y2 * x0; c03 += y3 * x0;
        c10 += y0 * x1; c11 += y1 * x1; c12 += y2 * x1; c13 += y3 * x1;
        c20 += y0 * x2; c21 += y1 * x2; c22 += y2 * x2; c23 += y3 * x2;
        c30 += y0 * x3; c31 += y1 * x3; c32 += y2 * x3; c33 += y3 * x3;
    }
    if (kfull < p.k) {
        let k = kfull;
        let l = p.k - k;
        let r0 = min(k + 0u, p.k - 1u) * p.b_row;
        let r1 = min(k + 1u, p.k - 1u) * p.b_row;
        let r2 = min(k + 2u, p.k - 1u) * p.b_row;
        let r3 = min(k + 3u, p.k - 1u) * p.b_row;
        let x0 = mat4x4<f32>(a4(a0_ + k, l), a4(a1_ + k, l), a4(a2_ + k, l), a4(a3_ + k, l));
        let x1 = mat4x4<f32>(a4(a4_ + k, l), a4(a5_ + k, l), a4(a6_ + k, l), a4(a7_ + k, l));
        let x2 = mat4x4<f32>(a4(a8_ + k, l), a4(a9_ + k, l), a4(a10_ + k, l), a4(a11_ + k, l));
        let x3 = mat4x4<f32>(a4(a12_ + k, l), a4(a13_ + k, l), a4(a14_ + k, l), a4(a15_ + k, l));
        let y0 = mat4x4<f32>(vec4<f32>(b[r0 + n0], b[r0 + n1], b[r0 + n2], b[r0 + n3]), vec4<f32>(b[r1 + n0], b[r1 + n1], b[r1 + n2], b[r1 + n3]), vec4<f32>(b[r2 + n0], b[r2 + n1], b[r2 + n2], b[r2 + n3]), vec4<f32>(b[r3 + n0], b[r3 + n1], b[r3 + n2], b[r3 + n3]));
        let y1 = mat4x4<f32>(vec4<f32>(b[r0 + n4], b[r0 + n5], b[r0 + n6], b[r0 + n7]), vec4<f32>(b[r1 + n4], b[r1 + n5], b[r1 + n6], b[r1 + n7]), vec4<f32>(b[r2 + n4], b[r2 + n5], b[r2 + n6], b[r2 + n7]), vec4<f32>(b[r3 + n4], b[r3 + n5], b[r3 + n6], b[r3 + n7]));
        let y2 = mat4x4<f32>(vec4<f32>(b[r0 + n8], b[r0 + n9], b[r0 + n10], b[r0 + n11]), vec4<f32>(b[r1 + n8], b[r1 + n9], b[r1 + n10], b[r1 + n11]), vec4<f32>(b[r2 + n8], b[r2 + n9], b[r2 + n10], b[r2 + n11]), vec4<f32>(b[r3 + n8], b[r3 + n9], b[r3 + n10], b[r3 + n11]));
        let y3 = mat4x4<f32>(vec4<f32>(b[r0 + n12], b[r0 + n13], b[r0 + n14], b[r0 + n15]), vec4<f32>(b[r1 + n12], b[r1 + n13], b[r1 + n14], b[r1 + n15]), vec4<f32>(b[r2 + n12], b[r2 + n13], b[r2 + n14], b[r2 + n15]), vec4<f32>(b[r3 + n12], b[r3 + n13], b[r3 + n14], b[r3 + n15]));
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
