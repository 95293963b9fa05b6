// crossentropy_fwd: per-row cross-entropy of logits (rows, cols) against
// integer labels, with PyTorch's label smoothing and ignore_index:
//   lse[r]  = log Σ_c exp(x[r,c])
//   loss[r] = (1−ε)·(lse[r] − x[r,y]) + ε·(lse[r] − mean_c x[r,c])
// the second term being ε·mean_c(−log p[r,c]). A row whose label equals
// `ignore` (−100 in PyTorch) gets loss 0 and lse 0 and is left out of the
// mean by lossmean_fwd. A label outside [0, cols) that is not `ignore` is an
// error in PyTorch; here its loss is NaN, so finitecheck_fwd or the loss
// readback exposes it. lse is kept for crossentropy_bwd.
// One workgroup per row, strided over the columns (rows of 50272 logits),
// with an online max/sum so the row is read once.
// Twin: cpu.CrossEntropyForward(loss, lse, logits, labels, rows, cols, ignore, eps).

@group(0) @binding(0) var<storage, read_write> loss: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;

// #import crossentropy_params
@group(0) @binding(4) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> smax: array<f32, WG>;
var<workgroup> ssum: array<f32, WG>;
var<workgroup> sx: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = wid.y * p.gx + wid.x;
    if (row >= p.rows) {
        return; // uniform across the workgroup: no barrier is skipped by part of it
    }
    let t = lid.x;
    let base = row * p.cols;
    // Each thread: running max m, Σ exp(x − m), Σ x over its columns.
    var m = -3.0e38;
    var s = 0.0;
    var sumx = 0.0;
    for (var c = t; c < p.cols; c += WG) {
        let x = logits[base + c];
        if (x > m) {
            s = s * exp(m - x) + 1.0;
            m = x;
        } else {
            s += exp(x - m);
        }
        sumx += x;
    }
    smax[t] = m;
    ssum[t] = s;
    sx[t] = sumx;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
        if (t < k) {
            let m1 = smax[t];
            let m2 = smax[t + k];
            let mm = max(m1, m2);
            ssum[t] = ssum[t] * exp(m1 - mm) + ssum[t + k] * exp(m2 - mm);
            smax[t] = mm;
            sx[t] += sx[t + k];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        let y = labels[row];
        if (y == p.ignore) {
            loss[row] = 0.0;
            lse[row] = 0.0;
        } else {
            let l = smax[0] + log(ssum[0]);
            lse[row] = l;
            if (y < 0 || u32(y) >= p.cols) {
                // NaN: label out of range. Through a var: a constant NaN
                // is a shader-creation error in Tint.
                var nan_bits = 0x7fc00000u;
                loss[row] = bitcast<f32>(nan_bits);
            } else {
                let nll = l - logits[base + u32(y)];
                let uniform_nll = l - sx[0] / f32(p.cols);
                loss[row] = (1.0 - p.eps) * nll + p.eps * uniform_nll;
            }
        }
    }
}
