// adamw_step: one in-place AdamW update of a parameter tensor, in the order
// and with the constants of PyTorch's torch.optim.AdamW (single-tensor path):
//   g  ← g · scale                               (clip_grad_norm_ factor)
//   p  ← p · (1 − lr·wd)                         (decoupled weight decay)
//   m  ← β1·m + (1−β1)·g
//   v  ← β2·v + (1−β2)·g²
//   p  ← p − step_size · m / (sqrt(v) / sqrt(bc2) + eps)
// with step_size = lr / (1 − β1^t) and sqrt(bc2) = sqrt(1 − β2^t), 1 − lr·wd,
// 1 − β1 and 1 − β2 computed on the host in float64 as Python does.
// scale and the finite flag are stats[slot] and stats[slot + 1], written
// by clipscale_fwd; a flag of 0 (non-finite gradients) skips the update
// entirely, leaving p, m and v as they were (GradScaler semantics). The
// weight decay is per call: the parameter grouping decides it per tensor.
// Twin: cpu.AdamWStep(p, m, v, g, stats, n, slot, decay, beta1, omb1, beta2, omb2, stepSize, bc2Sqrt, eps).

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read_write> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;

struct Params {
    n: u32,
    stride: u32, // threads per row of the dispatch grid (x groups × 256)
    slot: u32,
    decay: f32, // 1 − lr·wd
    beta1: f32,
    omb1: f32, // 1 − β1
    beta2: f32,
    omb2: f32, // 1 − β2
    step_size: f32, // lr / (1 − β1^t)
    bc2_sqrt: f32, // sqrt(1 − β2^t)
    eps: f32,
    _p0: u32,
}
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n || stats[p.slot + 1u] == 0.0) {
        return;
    }
    let g = grad[i] * stats[p.slot];
    let pd = param[i] * p.decay;
    let mi = m[i] * p.beta1 + g * p.omb1;
    let vi = v[i] * p.beta2 + p.omb2 * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = pd - p.step_size * (mi / (sqrt(vi) / p.bc2_sqrt + p.eps));
}
