// layernorm_bwd_input_tex: layernorm_bwd_input with dy and x read through
// rgba32float textures (one texture row per row, one texel per four
// columns; model/gpu copies both in just before the dispatch), for the
// reason layernorm_fwd_tex gives. dx is that of layernorm_bwd_input:
// with xh = (x - mean)·rstd and g = dy·gamma,
// dx = rstd·(g - mean(g) - xh·mean(g·xh)) per row.
// Twin: cpu.LayerNormBackwardInput(dx, dy, x, gamma, mean, rstd, rows, cols).

@group(0) @binding(0) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(1) var dy: texture_2d<f32>;
@group(0) @binding(2) var x: texture_2d<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(6) var<uniform> p: Params;

const BLOCK: u32 = 8u; // texels: blocks of 32 columns, as layernorm_bwd_input

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.stride + gid.x;
    if (row >= p.rows) {
        return;
    }
    let q = p.cols / 4u;
    let m = vec4<f32>(mean[row]);
    let rs = rstd[row];
    var sg = 0.0;
    var sgx = 0.0;
    for (var c0 = 0u; c0 < q; c0 += BLOCK) {
        var bg = vec4<f32>(0.0);
        var bgx = vec4<f32>(0.0);
        for (var c = c0; c < min(c0 + BLOCK, q); c++) {
            let at = vec2<u32>(c, row);
            let g = textureLoad(dy, at, 0) * gamma[c];
            bg += g;
            bgx += g * (textureLoad(x, at, 0) - m) * rs;
        }
        sg += (bg.x + bg.y) + (bg.z + bg.w);
        sgx += (bgx.x + bgx.y) + (bgx.z + bgx.w);
    }
    let n = f32(p.cols);
    sg /= n;
    sgx /= n;
    let base = row * q;
    for (var c = 0u; c < q; c++) {
        let at = vec2<u32>(c, row);
        let g = textureLoad(dy, at, 0) * gamma[c];
        dx[base + c] = rs * (g - vec4<f32>(sg) - (textureLoad(x, at, 0) - m) * rs * sgx);
    }
}
