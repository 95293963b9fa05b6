// lossmean_fwd: the mean of per-row losses over the rows whose label is not
// `ignore` (PyTorch reduction='mean' with ignore_index):
//   out[slot]     = Σ_r loss[r] / count
//   out[slot + 1] = count = #{r : labels[r] ≠ ignore}
// loss[r] is 0 on ignored rows (crossentropy_fwd writes it so), so the sum
// runs over all rows. With every row ignored the mean is 0/0 = NaN, as in
// PyTorch. One workgroup, a fixed tree: the result is deterministic, and the
// slots let one small "step stats" buffer collect every loss, its count and
// the finite flags, read back once per step.
// Twin: cpu.LossMeanForward(out, loss, labels, rows, ignore, slot).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> loss: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;

struct Params {
    rows: u32,
    ignore: i32,
    slot: u32,
    _p0: u32,
}
@group(0) @binding(3) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> ssum: array<f32, WG>;
var<workgroup> scnt: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
    let t = lid.x;
    var s = 0.0;
    var n = 0.0;
    for (var r = t; r < p.rows; r += WG) {
        s += loss[r];
        if (labels[r] != p.ignore) {
            n += 1.0;
        }
    }
    ssum[t] = s;
    scnt[t] = n;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
        if (t < k) {
            ssum[t] += ssum[t + k];
            scnt[t] += scnt[t + k];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        if (scnt[0] > 0.0) {
            out[p.slot] = ssum[0] / scnt[0];
        } else {
            // NaN, spelled out since WGSL may fold 0/0, and through a var
            // since a constant NaN is a shader-creation error in Tint.
            var nan_bits = 0x7fc00000u;
            out[p.slot] = bitcast<f32>(nan_bits);
        }
        out[p.slot + 1u] = scnt[0];
    }
}
