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
// a 16×16 block of C in registers (sixteen 4×4 matrices) and reads 16 rows of
// A and 16 rows of B four k at a time: 32 vec4 loads per 1024 FMAs. No
// workgroup memory and no barriers (both are slow there). Out-of-range rows
// and columns are clamped for loading and skipped at the store, so the inner
// loop has no bounds tests; a K that is not a multiple of 4 gets one masked
// extra step.

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

struct Params {
    m: u32, n: u32, k: u32, batch: u32,
    inner: u32, flags: u32, a_row: u32, b_row: u32,
    c_row: u32, a_off: u32, b_off: u32, c_off: u32,
    a_outer: u32, a_inner: u32, b_outer: u32, b_inner: u32,
    c_outer: u32, c_inner: u32, _p0: u32, _p1: u32,
}
@group(0) @binding(4) var<uniform> p: Params;

const TM = 16u; // rows of C per invocation
const TN = 16u; // columns of C per invocation
const WG = 8u;  // one AVX2 vector of lanes

// Four consecutive elements, the ones at or past `left` read as zero (the
// index is clamped so the load itself stays in bounds).
fn a4(i: u32, left: u32) -> vec4<f32> {
    return vec4<f32>(a[i], select(0.0, a[i + min(1u, left - 1u)], left > 1u),
        select(0.0, a[i + min(2u, left - 1u)], left > 2u), select(0.0, a[i + min(3u, left - 1u)], left > 3u));
}
fn b4(i: u32, left: u32) -> vec4<f32> {
    return vec4<f32>(b[i], select(0.0, b[i + min(1u, left - 1u)], left > 1u),
        select(0.0, b[i + min(2u, left - 1u)], left > 2u), select(0.0, b[i + min(3u, left - 1u)], left > 3u));
}
fn af(i: u32) -> vec4<f32> { return vec4<f32>(a[i], a[i + 1u], a[i + 2u], a[i + 3u]); }
fn bf(i: u32) -> vec4<f32> { return vec4<f32>(b[i], b[i + 1u], b[i + 2u], b[i + 3u]); }

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

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let z = wid.z;
    let zo = z / p.inner;
    let zi = z % p.inner;
    let ab = p.a_off + zo * p.a_outer + zi * p.a_inner;
    let bb = p.b_off + zo * p.b_outer + zi * p.b_inner;
    let cb = p.c_off + zo * p.c_outer + zi * p.c_inner;
    let row0 = wid.y * TM;
    let col0 = gid.x * TN;
    // Row starts, clamped into the matrix.
    let a0 = ab + min(row0 + 0u, p.m - 1u) * p.a_row;
    let a1 = ab + min(row0 + 1u, p.m - 1u) * p.a_row;
    let a2 = ab + min(row0 + 2u, p.m - 1u) * p.a_row;
    let a3 = ab + min(row0 + 3u, p.m - 1u) * p.a_row;
    let a4_ = ab + min(row0 + 4u, p.m - 1u) * p.a_row;
    let a5 = ab + min(row0 + 5u, p.m - 1u) * p.a_row;
    let a6 = ab + min(row0 + 6u, p.m - 1u) * p.a_row;
    let a7 = ab + min(row0 + 7u, p.m - 1u) * p.a_row;
    let a8 = ab + min(row0 + 8u, p.m - 1u) * p.a_row;
    let a9 = ab + min(row0 + 9u, p.m - 1u) * p.a_row;
    let a10 = ab + min(row0 + 10u, p.m - 1u) * p.a_row;
    let a11 = ab + min(row0 + 11u, p.m - 1u) * p.a_row;
    let a12 = ab + min(row0 + 12u, p.m - 1u) * p.a_row;
    let a13 = ab + min(row0 + 13u, p.m - 1u) * p.a_row;
    let a14 = ab + min(row0 + 14u, p.m - 1u) * p.a_row;
    let a15 = ab + min(row0 + 15u, p.m - 1u) * p.a_row;
    let b0 = bb + min(col0 + 0u, p.n - 1u) * p.b_row;
    let b1 = bb + min(col0 + 1u, p.n - 1u) * p.b_row;
    let b2 = bb + min(col0 + 2u, p.n - 1u) * p.b_row;
    let b3 = bb + min(col0 + 3u, p.n - 1u) * p.b_row;
    let b4_ = bb + min(col0 + 4u, p.n - 1u) * p.b_row;
    let b5 = bb + min(col0 + 5u, p.n - 1u) * p.b_row;
    let b6 = bb + min(col0 + 6u, p.n - 1u) * p.b_row;
    let b7 = bb + min(col0 + 7u, p.n - 1u) * p.b_row;
    let b8 = bb + min(col0 + 8u, p.n - 1u) * p.b_row;
    let b9 = bb + min(col0 + 9u, p.n - 1u) * p.b_row;
    let b10 = bb + min(col0 + 10u, p.n - 1u) * p.b_row;
    let b11 = bb + min(col0 + 11u, p.n - 1u) * p.b_row;
    let b12 = bb + min(col0 + 12u, p.n - 1u) * p.b_row;
    let b13 = bb + min(col0 + 13u, p.n - 1u) * p.b_row;
    let b14 = bb + min(col0 + 14u, p.n - 1u) * p.b_row;
    let b15 = bb + min(col0 + 15u, p.n - 1u) * p.b_row;
    // c<i><j> (4×4) accumulates transpose(rows 4i.. of A) · (rows 4j.. of B):
    // its [column c][row r] is C[row0 + 4i + r][col0 + 4j + c].
    var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>();
    var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>();
    var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>();
    var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>();
    let kfull = p.k & ~3u;
    for (var k = 0u; k < kfull; k += 4u) {
        let x0 = transpose(mat4x4<f32>(af(a0 + k), af(a1 + k), af(a2 + k), af(a3 + k)));
        let x1 = transpose(mat4x4<f32>(af(a4_ + k), af(a5 + k), af(a6 + k), af(a7 + k)));
        let x2 = transpose(mat4x4<f32>(af(a8 + k), af(a9 + k), af(a10 + k), af(a11 + k)));
        let x3 = transpose(mat4x4<f32>(af(a12 + k), af(a13 + k), af(a14 + k), af(a15 + k)));
        let y0 = mat4x4<f32>(bf(b0 + k), bf(b1 + k), bf(b2 + k), bf(b3 + k));
        let y1 = mat4x4<f32>(bf(b4_ + k), bf(b5 + k), bf(b6 + k), bf(b7 + k));
        let y2 = mat4x4<f32>(bf(b8 + k), bf(b9 + k), bf(b10 + k), bf(b11 + k));
        let y3 = mat4x4<f32>(bf(b12 + k), bf(b13 + k), bf(b14 + k), bf(b15 + k));
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
    }
    if (kfull < p.k) {
        let k = kfull;
        let l = p.k - kfull;
        let x0 = transpose(mat4x4<f32>(a4(a0 + k, l), a4(a1 + k, l), a4(a2 + k, l), a4(a3 + k, l)));
        let x1 = transpose(mat4x4<f32>(a4(a4_ + k, l), a4(a5 + k, l), a4(a6 + k, l), a4(a7 + k, l)));
        let x2 = transpose(mat4x4<f32>(a4(a8 + k, l), a4(a9 + k, l), a4(a10 + k, l), a4(a11 + k, l)));
        let x3 = transpose(mat4x4<f32>(a4(a12 + k, l), a4(a13 + k, l), a4(a14 + k, l), a4(a15 + k, l)));
        let y0 = mat4x4<f32>(b4(b0 + k, l), b4(b1 + k, l), b4(b2 + k, l), b4(b3 + k, l));
        let y1 = mat4x4<f32>(b4(b4_ + k, l), b4(b5 + k, l), b4(b6 + k, l), b4(b7 + k, l));
        let y2 = mat4x4<f32>(b4(b8 + k, l), b4(b9 + k, l), b4(b10 + k, l), b4(b11 + k, l));
        let y3 = mat4x4<f32>(b4(b12 + k, l), b4(b13 + k, l), b4(b14 + k, l), b4(b15 + k, l));
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
    }
    if (row0 >= p.m || col0 >= p.n) { return; }
    store(cb, row0, col0, c00); store(cb, row0, col0 + 4u, c01); store(cb, row0, col0 + 8u, c02); store(cb, row0, col0 + 12u, c03);
    store(cb, row0 + 4u, col0, c10); store(cb, row0 + 4u, col0 + 4u, c11); store(cb, row0 + 4u, col0 + 8u, c12); store(cb, row0 + 4u, col0 + 12u, c13);
    store(cb, row0 + 8u, col0, c20); store(cb, row0 + 8u, col0 + 4u, c21); store(cb, row0 + 8u, col0 + 8u, c22); store(cb, row0 + 8u, col0 + 12u, c23);
    store(cb, row0 + 12u, col0, c30); store(cb, row0 + 12u, col0 + 4u, c31); store(cb, row0 + 12u, col0 + 8u, c32); store(cb, row0 + 12u, col0 + 12u, c33);
}
