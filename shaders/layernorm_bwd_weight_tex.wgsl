// layernorm_bwd_weight_tex: layernorm_bwd_weight with dy and x read through
// rgba32float textures (one texture row per row, one texel per four
// columns; model/gpu copies both in just before the dispatch). One
// invocation per four columns loops over the rows in order, in blocks of
// 32 as layernorm_bwd_weight, so the result is the same on every run.
// dgamma = Σ_rows dy·(x - mean)·rstd, dbeta = Σ_rows dy.
// Twin: cpu.LayerNormBackwardWeight(dgamma, dbeta, dy, x, mean, rstd, rows, cols).
//
// Why: lavapipe loads a storage buffer lane by lane; a texel fetch brings
// four columns per lane at once (docs/kernels-norms.md).

@group(0) @binding(0) var<storage, read_write> dgamma: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dbeta: array<vec4<f32>>;
@group(0) @binding(2) var dy: texture_2d<f32>;
@group(0) @binding(3) var x: texture_2d<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(6) var<uniform> p: Params;

const BLOCK: u32 = 32u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.y * p.stride + gid.x;
    if (c >= p.cols / 4u) {
        return;
    }
    var sg = vec4<f32>(0.0);
    var sb = vec4<f32>(0.0);
    for (var r0 = 0u; r0 < p.rows; r0 += BLOCK) {
        var bg = vec4<f32>(0.0);
        var bb = vec4<f32>(0.0);
        for (var r = r0; r < min(r0 + BLOCK, p.rows); r++) {
            let at = vec2<u32>(c, r);
            let g = textureLoad(dy, at, 0);
            bg += g * (textureLoad(x, at, 0) - vec4<f32>(mean[r])) * rstd[r];
            bb += g;
        }
        sg += bg;
        sb += bb;
    }
    dgamma[c] = sg;
    dbeta[c] = sb;
}
