// crossentropy_fwd_tex: crossentropy_fwd with the logits read through an
// rgba32float texture, for lavapipe: one texture row per row of logits, one
// texel per four consecutive classes (model/gpu copies the logits in just
// before the dispatch and checks that the row length is a multiple of 64,
// which WebGPU's copies need). Loss, lse, labels, smoothing, ignore and the
// NaN on a label out of range are those of crossentropy_fwd.
// Twin: cpu.CrossEntropyForward(loss, lse, logits, labels, rows, cols, ignore, eps).
//
// Why: crossentropy_fwd spends a workgroup of 256 and eight barriers per
// row and loads through storage buffers, each load a loop over the lanes
// on lavapipe; at the language models' 2,048 rows of 8,000 classes that ran
// at 43 M logits/s, slower than the Go twin. Here one invocation takes a
// whole row, as softmax_fwd does: the lanes of a SIMD vector take
// neighbouring rows, a texel fetch loads four logits per lane with no loop,
// and nothing waits on a barrier.

@group(0) @binding(0) var<storage, read_write> loss: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var x: texture_2d<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;

// #import crossentropy_params
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.gx + gid.x;
    if (row >= p.rows) {
        return;
    }
    // Running max m, Σ exp(x − m) and Σ x over the row, four logits a step.
    var m = -3.0e38;
    var s = 0.0;
    var sumx = 0.0;
    for (var c = 0u; c < p.cols / 4u; c++) {
        let v = textureLoad(x, vec2<u32>(c, row), 0);
        let vm = max(max(v.x, v.y), max(v.z, v.w));
        if (vm > m) {
            s *= exp(m - vm);
            m = vm;
        }
        let e = exp(v - vec4<f32>(m));
        s += e.x + e.y + e.z + e.w;
        sumx += v.x + v.y + v.z + v.w;
    }
    let y = labels[row];
    if (y == p.ignore) {
        loss[row] = 0.0;
        lse[row] = 0.0;
        return;
    }
    let l = m + log(s);
    lse[row] = l;
    if (y < 0 || u32(y) >= p.cols) {
        // NaN: label out of range. Through a var: a constant NaN is a
        // shader-creation error in Tint.
        var nan_bits = 0x7fc00000u;
        loss[row] = bitcast<f32>(nan_bits);
        return;
    }
    let xy = textureLoad(x, vec2<u32>(u32(y) / 4u, row), 0)[u32(y) % 4u];
    loss[row] = (1.0 - p.eps) * (l - xy) + p.eps * (l - sumx / f32(p.cols));
}
