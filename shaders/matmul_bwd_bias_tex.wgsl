// matmul_bwd_bias_tex: matmul_bwd_bias with dy read through an rgba32float
// texture (one texture row per row of dy, one texel per four columns;
// model/gpu copies dy in just before the dispatch). One invocation per four
// columns walks the rows with four partial sums per column, as
// matmul_bwd_bias does, and writes (or adds into) db four at a time.
// Twin: cpu.MatMulBackwardBias(db, dy, rows, cols, accumulate).
//
// Why: lavapipe loads a storage buffer lane by lane; a texel fetch brings
// four columns per lane at once (docs/kernels-norms.md).

@group(0) @binding(0) var<storage, read_write> db: array<vec4<f32>>;
@group(0) @binding(1) var dy: texture_2d<f32>;

struct Params {
    rows: u32,
    cols: u32,
    accumulate: u32, // 1: add into db (gradient accumulation)
    stride: u32,     // threads per row of the dispatch grid
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.y * p.stride + gid.x;
    if (j >= p.cols / 4u) {
        return;
    }
    // Rows i, i+1, i+2, i+3 in separate sums, then combined as the
    // storage-buffer kernel combines its four lanes.
    var s0 = vec4<f32>(0.0);
    var s1 = vec4<f32>(0.0);
    var s2 = vec4<f32>(0.0);
    var s3 = vec4<f32>(0.0);
    var i = 0u;
    for (; i + 4u <= p.rows; i += 4u) {
        s0 += textureLoad(dy, vec2<u32>(j, i), 0);
        s1 += textureLoad(dy, vec2<u32>(j, i + 1u), 0);
        s2 += textureLoad(dy, vec2<u32>(j, i + 2u), 0);
        s3 += textureLoad(dy, vec2<u32>(j, i + 3u), 0);
    }
    for (; i < p.rows; i++) {
        s0 += textureLoad(dy, vec2<u32>(j, i), 0);
    }
    var t = (s0 + s1) + (s2 + s3);
    if (p.accumulate != 0u) {
        t += db[j];
    }
    db[j] = t;
}
