// clipscale_fwd: the global gradient norm from the sumsq_fwd partials and
// PyTorch's clip_grad_norm_ factor, written to three slots of a stats
// buffer that adamw_step reads, so no readback is needed mid-step:
//   norm            = sqrt(Σ partials)
//   out[slot]       = min(1, max_norm / (norm + 1e-6))   (1 if max_norm ≤ 0: no clipping)
//   out[slot + 1]   = 1 if norm is finite, else 0
//   out[slot + 2]   = norm (+Inf when not finite)
// With a non-finite norm the scale is 0 and the flag 0: adamw_step then
// skips the update, as torch.cuda.amp.GradScaler skips a step whose
// gradients hold Inf/NaN (LAVIS trains with it). Plain clip_grad_norm_
// would instead push NaN into every parameter.
// Finiteness is tested on the bits: WGSL lets compilers assume no NaN/Inf.
// One workgroup, fixed tree: deterministic.
// Twin: cpu.ClipScaleForward(out, partials, n, slot, maxNorm).

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> partials: array<f32>;

struct Params {
    n: u32,
    slot: u32,
    max_norm: f32,
    _p0: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> ssum: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
    let t = lid.x;
    var s = 0.0;
    for (var i = t; i < p.n; i += WG) {
        s += partials[i];
    }
    ssum[t] = s;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
        if (t < k) {
            ssum[t] += ssum[t + k];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        let total = ssum[0];
        if ((bitcast<u32>(total) & 0x7f800000u) == 0x7f800000u) {
            out[p.slot] = 0.0;
            out[p.slot + 1u] = 0.0;
            // Through a var: a constant Inf is a shader-creation error in Tint.
            var inf_bits = 0x7f800000u;
            out[p.slot + 2u] = bitcast<f32>(inf_bits);
            return;
        }
        let norm = sqrt(total);
        var scale = 1.0;
        if (p.max_norm > 0.0) {
            scale = min(1.0, p.max_norm / (norm + 1e-6));
        }
        out[p.slot] = scale;
        out[p.slot + 1u] = 1.0;
        out[p.slot + 2u] = norm;
    }
}
