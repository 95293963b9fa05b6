// crossentropy_bwd: gradient of the mean smoothed cross-entropy (the value
// lossmean_fwd computes from crossentropy_fwd) with respect to the logits:
//   dlogits[r,c] = (exp(x[r,c] − lse[r]) − (1−ε)·[c = y_r] − ε/cols) · g / count
// and 0 on rows whose label is `ignore` (or out of range). g is the upstream
// gradient of the mean loss (0.5 for each ITC direction, 1 otherwise);
// count is the number of non-ignored rows, read from stats[slot + 1] where
// lossmean_fwd left it, so no readback is needed between forward and
// backward. lse comes from crossentropy_fwd.
// One workgroup per row, strided over the columns.
// Twin: cpu.CrossEntropyBackward(dlogits, logits, labels, lse, stats, rows, cols, ignore, eps, g, slot).

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    ignore: i32,
    eps: f32,
    g: f32,
    slot: u32,
    gx: u32, // workgroups along x: row = wid.y * gx + wid.x
    _p0: u32,
}
@group(0) @binding(5) var<uniform> p: Params;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = wid.y * p.gx + wid.x;
    if (row >= p.rows) {
        return;
    }
    let base = row * p.cols;
    let y = labels[row];
    if (y == p.ignore || y < 0 || u32(y) >= p.cols) {
        for (var c = lid.x; c < p.cols; c += WG) {
            dlogits[base + c] = 0.0;
        }
        return;
    }
    let scale = p.g / stats[p.slot + 1u];
    let l = lse[row];
    let off = p.eps / f32(p.cols);
    let yc = u32(y);
    for (var c = lid.x; c < p.cols; c += WG) {
        var t = off;
        if (c == yc) {
            t += 1.0 - p.eps;
        }
        dlogits[base + c] = (exp(logits[base + c] - l) - t) * scale;
    }
}
