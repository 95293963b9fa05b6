// layernorm_fwd_tex: layernorm_fwd with x read through an rgba32float
// texture, for lavapipe: one texture row per row of x, one texel per four
// consecutive columns (model/gpu copies x in just before the dispatch and
// checks that the row length is a multiple of 64, which WebGPU's copies
// need). y, mean, rstd and the corrected two-pass variance are those of
// layernorm_fwd.
// Twin: cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, eps).
//
// Why: layernorm_fwd reads x three times through a storage buffer, and
// lavapipe turns each storage load into a loop over the SIMD lanes; a texel
// fetch loads four columns per lane with no loop. At a stage-0 step's 1,088
// rows of 128 this ran in half of layernorm_fwd's time, the copy included
// (docs/kernels-norms.md). y, gamma and beta go four at a time.

@group(0) @binding(0) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var x: texture_2d<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> beta: array<vec4<f32>>;

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(6) var<uniform> p: Params;

const BLOCK: u32 = 8u; // texels: blocks of 32 columns, as layernorm_fwd

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let q = p.cols / 4u;
    var s = 0.0;
    for (var c0 = 0u; c0 < q; c0 += BLOCK) {
        var b = vec4<f32>(0.0);
        for (var c = c0; c < min(c0 + BLOCK, q); c++) {
            b += textureLoad(x, vec2<u32>(c, row), 0);
        }
        s += (b.x + b.y) + (b.z + b.w);
    }
    let n = f32(p.cols);
    let m0 = s / n;
    // The second pass of layernorm_fwd: Σ(x - m0) corrects the rounding of
    // m0, Σ(x - m0)² gives the variance without cancellation.
    var sd = 0.0;
    var ss = 0.0;
    for (var c0 = 0u; c0 < q; c0 += BLOCK) {
        var bd = vec4<f32>(0.0);
        var bs = vec4<f32>(0.0);
        for (var c = c0; c < min(c0 + BLOCK, q); c++) {
            let d = textureLoad(x, vec2<u32>(c, row), 0) - vec4<f32>(m0);
            bd += d;
            bs += d * d;
        }
        sd += (bd.x + bd.y) + (bd.z + bd.w);
        ss += (bs.x + bs.y) + (bs.z + bs.w);
    }
    let m = m0 + sd / n;
    let rs = inverseSqrt(max(ss - sd * sd / n, 0.0) / n + p.eps);
    let base = row * q;
    for (var c = 0u; c < q; c++) {
        y[base + c] = (textureLoad(x, vec2<u32>(c, row), 0) - vec4<f32>(m)) * rs * gamma[c] + beta[c];
    }
    mean[row] = m;
    rstd[row] = rs;
}
