// act_fwd: out = f(x) elementwise, f picked by p.op:
//   0 relu        max(x, 0)
//   1 gelu        exact GELU, 0.5·x·(1 + erf(x/√2))   (ViT-g, Q-Former, FlanT5 as LAVIS runs it)
//   2 gelu_tanh   0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))   (HF NewGELUActivation, "gelu_new")
//   3 quickgelu   x·sigmoid(1.702·x)   (CLIP ViT-L)
//   4 erf         erf(x), exposed so the approximation itself is tested
// Twin: cpu.ActForward(out, x, n, op), which uses math.Erf and math.Tanh in
// float64. The functions are lib/act.wgsl's, shared with act_fwd_tex.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;

struct Params {
    n: u32,
    op: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

// #import erf
// #import act

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n) {
        return;
    }
    out[i] = actForward(p.op, x[i]);
}
