// im2col_bwd: the inverse permutation of im2col_fwd (patches never overlap,
// stride = kernel), so dimage needs no accumulation; pixels that no patch
// covers get 0. Every element of dimage is written.
// Twin: cpu.Im2ColBackward(dimage, dpatches, b, ch, h, w, p).

@group(0) @binding(0) var<storage, read_write> dimage: array<f32>;
@group(0) @binding(1) var<storage, read> dpatches: array<f32>;

struct Params {
    b: u32,
    ch: u32,
    h: u32,
    w: u32,
    p: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad0: u32,
    _pad1: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let e = gid.y * p.stride + gid.x; // ((n·ch + c)·h + y)·w + x
    if (e >= p.b * p.ch * p.h * p.w) {
        return;
    }
    let gh = p.h / p.p;
    let gw = p.w / p.p;
    let x = e % p.w;
    let y = (e / p.w) % p.h;
    let nc = e / (p.w * p.h);
    let c = nc % p.ch;
    let n = nc / p.ch;
    var g = 0.0;
    if (y < gh * p.p && x < gw * p.p) {
        let cell = (n * gh + y / p.p) * gw + x / p.p;
        g = dpatches[(cell * p.ch + c) * p.p * p.p + (y % p.p) * p.p + x % p.p];
    }
    dimage[e] = g;
}
