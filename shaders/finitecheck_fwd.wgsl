// finitecheck_fwd: flags[slot] becomes 1.0 if any element of x (n) is NaN
// or ±Inf, and is left alone otherwise; the slot must hold 0 beforehand (a
// stats buffer from Zeros). Each parameter, gradient or loss checked gets
// its own slot, so the host, reading the stats buffer with the losses,
// names the offending tensor. The flag is set with atomicOr of the bits of
// 1.0f, so the buffer reads back as f32 and several threads may set it.
// Finiteness is tested on the bits: WGSL lets compilers assume no NaN/Inf,
// so `x != x` could be folded away.
// Twin: cpu.FiniteCheckForward(flags, x, n, slot).

@group(0) @binding(0) var<storage, read_write> flags: array<atomic<u32>>;
@group(0) @binding(1) var<storage, read> x: array<f32>;

struct Params {
    n: u32,
    stride: u32, // threads per row of the dispatch grid (x groups × 256)
    slot: u32,
    _p0: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    if (i >= p.n) {
        return;
    }
    if ((bitcast<u32>(x[i]) & 0x7f800000u) == 0x7f800000u) {
        atomicOr(&flags[p.slot], 0x3f800000u);
    }
}
