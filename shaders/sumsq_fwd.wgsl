// sumsq_fwd: sums of squares of x (n) into `groups` consecutive slots of a
// partials buffer: workgroup g writes
//   partials[slot + g] = Σ_{i in chunk g} x[i]²,  chunk g = [g·chunk, min(n, (g+1)·chunk))
// so the gradients of many parameter tensors fill one partials vector that
// clipscale_fwd reduces to the global norm. The partition and the tree are
// fixed by (n, groups), so the result is deterministic run to run.
// Twin: cpu.SumSqForward(partials, x, n, slot, groups).

@group(0) @binding(0) var<storage, read_write> partials: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;

struct Params {
    n: u32,
    slot: u32,
    groups: u32,
    chunk: u32, // ceil(n / groups)
}
@group(0) @binding(2) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> ssum: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let t = lid.x;
    let lo = wid.x * p.chunk;
    let hi = min(p.n, lo + p.chunk);
    var s = 0.0;
    for (var i = lo + t; i < hi; i += WG) {
        let v = x[i];
        s += v * v;
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
        partials[p.slot + wid.x] = ssum[0];
    }
}
