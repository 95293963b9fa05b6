// matmul_fwd_tiled: C = A·Bᵀ (+ bias), batched: the same product, views and
// flags as matmul_fwd.wgsl, for real GPUs (adapter class "gpu").
// Twin: cpu.MatMulForward(c, a, b, bias, dims).
//
// A 16×16 workgroup computes a 64×64 block of C, 4×4 per invocation. Each
// step stages a 64×16 slice of A and of B in workgroup memory (8 KiB),
// stored k-major so that the inner loop reads four consecutive rows (or
// columns) as one vector and every lane of a row of the workgroup reads the
// same A word (a broadcast). On lavapipe this is ~20× slower than the
// register-blocked matmul_fwd: there, workgroup loads are per-lane loops and
// barriers are coroutine switches.

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

@group(0) @binding(4) var<uniform> p: Params;

// #import matmul_params

const BM = 64u;
const BN = 64u;
const BK = 16u;
const TILE = 1024u; // BK × BM = BK × BN
// Staged slices, [k][row] and [k][column]: every element is written before
// the barrier of each step, so the missing zero-initialisation is harmless.
var<workgroup> sa: array<f32, TILE>;
var<workgroup> sb: array<f32, TILE>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let zoff = batch_offsets(wid.z);
    let ab = zoff.x;
    let bb = zoff.y;
    let cb = zoff.z;
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
    let tid = lid.y * 16u + lid.x;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        // 256 invocations stage 1024 elements of each operand, 4 each;
        // consecutive invocations read consecutive k of one row.
        for (var e = 0u; e < 4u; e++) {
            let idx = tid + e * 256u;
            let r = idx / BK;
            let kk = idx % BK;
            let gk = k0 + kk;
            var va = 0.0;
            if (row0 + r < p.m && gk < p.k) { va = a[ab + (row0 + r) * p.a_row + gk]; }
            sa[kk * BM + r] = va;
            var vb = 0.0;
            if (col0 + r < p.n && gk < p.k) { vb = b[bb + (col0 + r) * p.b_row + gk]; }
            sb[kk * BN + r] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            let ai = kk * BM + lid.y * 4u;
            let bi = kk * BN + lid.x * 4u;
            let bv = vec4<f32>(sb[bi], sb[bi + 1u], sb[bi + 2u], sb[bi + 3u]);
            acc0 = fma(vec4<f32>(sa[ai]), bv, acc0);
            acc1 = fma(vec4<f32>(sa[ai + 1u]), bv, acc1);
            acc2 = fma(vec4<f32>(sa[ai + 2u]), bv, acc2);
            acc3 = fma(vec4<f32>(sa[ai + 3u]), bv, acc3);
        }
        workgroupBarrier();
    }
    let row = row0 + lid.y * 4u;
    let col = col0 + lid.x * 4u;
    var bv = vec4<f32>(0.0);
    if ((p.flags & 1u) != 0u) {
        for (var j = 0u; j < 4u; j++) {
            if (col + j < p.n) { bv[j] = bias[col + j]; }
        }
    }
    let out = array<vec4<f32>, 4>(acc0 + bv, acc1 + bv, acc2 + bv, acc3 + bv);
    for (var r = 0u; r < 4u; r++) {
        if (row + r >= p.m) { break; }
        for (var j = 0u; j < 4u; j++) {
            if (col + j < p.n) {
                c[cb + (row + r) * p.c_row + col + j] = out[r][j];
            }
        }
    }
}
