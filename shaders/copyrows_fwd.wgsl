// copyrows_fwd: for each of `batch` blocks, copy `n` rows of `cols` values
// from src (rows srcStart.. of a block of srcRows) into dst (rows dstStart..
// of a block of dstRows). Slicing and concatenating along the sequence axis
// of (B, T, C) tensors are both this copy.
// Twin: cpu.CopyRowsForward(dst, src, batch, n, cols, srcRows, srcStart, dstRows, dstStart).

@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;

struct Params {
    batch: u32,
    n: u32,
    cols: u32,
    src_rows: u32,
    src_start: u32,
    dst_rows: u32,
    dst_start: u32,
    stride: u32, // threads per row of the dispatch grid
}
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * p.stride + gid.x;
    let per_block = p.n * p.cols;
    if (i >= p.batch * per_block) {
        return;
    }
    let b = i / per_block;
    let r = i % per_block; // row-major offset inside the copied block
    dst[(b * p.dst_rows + p.dst_start) * p.cols + r] = src[(b * p.src_rows + p.src_start) * p.cols + r];
}
