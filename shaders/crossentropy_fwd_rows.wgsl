// crossentropy_fwd_rows: crossentropy_fwd with one invocation per row and
// the logits read through the storage buffer, for CPU-class adapters and
// rows crossentropy_fwd_tex cannot take (a number of classes that is not a
// multiple of 64: ITC's batch × batch, ITM's two). Loss, lse, labels,
// smoothing, ignore and the NaN on a label out of range are those of
// crossentropy_fwd.
// Twin: cpu.CrossEntropyForward(loss, lse, logits, labels, rows, cols, ignore, eps).
//
// Why: crossentropy_fwd spends a workgroup of 256 and eight barriers on a
// row, which lavapipe runs as eight passes over the workgroup: 28 ms for
// stage 0's 64 × 64 CLIP logits, where a thread per row takes 0.1 ms
// (docs/kernels-train.md).

@group(0) @binding(0) var<storage, read_write> loss: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;

// #import crossentropy_params
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y * p.gx + gid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    // Running max m, Σ exp(x − m) and Σ x over the row.
    var m = -3.0e38;
    var s = 0.0;
    var sumx = 0.0;
    for (var c = 0u; c < p.cols; c++) {
        let x = logits[base + c];
        if (x > m) {
            s = s * exp(m - x) + 1.0;
            m = x;
        } else {
            s += exp(x - m);
        }
        sumx += x;
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
    loss[row] = (1.0 - p.eps) * (l - logits[base + u32(y)]) + p.eps * (l - sumx / f32(p.cols));
}
