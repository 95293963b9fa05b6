// copyrows_fwd: a block-strided copy. For each of `batch` blocks and each of
// `n` rows, `cols` values move from
//   src[b·src_block + (src_start + i)·src_row + c]  to
//   dst[b·dst_block + (dst_start + i)·dst_row + c].
// Slicing and concatenating along the sequence axis of (B, T, C) tensors,
// and padding or trimming the head dimension of (B, T, H, D) ones, are all
// this copy.
// Twin: cpu.CopyRowsForward(dst, src, CopyRows{...}).

@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;

struct Params {
    batch: u32,
    n: u32,
    cols: u32,
    src_block: u32,
    src_row: u32,
    src_start: u32,
    dst_block: u32,
    dst_row: u32,
    dst_start: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad0: u32,
    _pad1: u32,
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let t = gid.y * p.stride + gid.x;
    let per_block = p.n * p.cols;
    if (t >= p.batch * per_block) {
        return;
    }
    let b = t / per_block;
    let i = (t % per_block) / p.cols;
    let c = t % p.cols;
    dst[b * p.dst_block + (p.dst_start + i) * p.dst_row + c] = src[b * p.src_block + (p.src_start + i) * p.src_row + c];
}
