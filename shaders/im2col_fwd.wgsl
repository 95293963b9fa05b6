// im2col_fwd: image (b, ch, h, w) to non-overlapping patches
// (b, gh·gw, ch·p·p), gh = h/p, gw = w/p (leftover pixels are dropped, as a
// Conv2d with stride p and no padding). Patches are row-major over the grid;
// inside a patch the order is channel, row, column, which is the flattening
// of a Conv2d weight (hidden, ch, p, p): patch embedding = patches · Wᵀ.
// Twin: cpu.Im2ColForward(patches, image, b, ch, h, w, p).

@group(0) @binding(0) var<storage, read_write> patches: array<f32>;
@group(0) @binding(1) var<storage, read> image: array<f32>;

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
    let e = gid.y * p.stride + gid.x; // one output element: reads are gathers, writes contiguous
    let gh = p.h / p.p;
    let gw = p.w / p.p;
    let k = p.ch * p.p * p.p;
    if (e >= p.b * gh * gw * k) {
        return;
    }
    let j = e % k; // (c·p + y)·p + x
    let cell = e / k; // patch index n·gh·gw + gy·gw + gx ("patch" is reserved in WGSL)
    let c = j / (p.p * p.p);
    let y = (j / p.p) % p.p;
    let x = j % p.p;
    let n = cell / (gh * gw);
    let g = cell % (gh * gw);
    let gy = g / gw;
    let gx = g % gw;
    patches[e] = image[((n * p.ch + c) * p.h + gy * p.p + y) * p.w + gx * p.p + x];
}
