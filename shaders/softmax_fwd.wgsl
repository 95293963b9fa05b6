// softmax_fwd: y = softmax(scale·x + mask) over the first `cols` entries of
// each row of x and y, rows `ld` ≥ cols apart; entries cols..ld of y are
// written 0 (attention scores keep rows of 64 elements, which the texture
// matmuls can copy). x is viewed as (mb, heads, mrows, ·); the optional
// additive mask as (mb, mrows, cols), rows cols apart, broadcast over heads:
// row r reads mask row
// (r / (heads·mrows))·mrows + r % mrows. Entries that are −Inf are left out;
// a row with every entry −Inf gives zeros. Finite masks (finfo.min) are
// used as given, so a row masked with finfo.min everywhere is uniform, as in
// PyTorch.
// Twin: cpu.SoftmaxForward(y, x, mask, rows, cols, scale, heads, mrows, ld).
//
// One invocation per row, no workgroup memory or barriers: on lavapipe the
// lanes of a SIMD vector take neighbouring rows, which is what pays there.
// The attention scores this serves have at most a few hundred columns.

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;

struct Params {
    rows: u32,
    cols: u32,
    scale: f32,
    has_mask: u32,
    heads: u32,
    mrows: u32,
    stride: u32, // threads per row of the dispatch grid
    ld: u32,     // elements from one row of x and y to the next
}
@group(0) @binding(3) var<uniform> p: Params;

const NEG_MAX: f32 = -3.4028234663852886e38; // -FLT_MAX, written exactly: Tint rejects a literal that rounds past it

fn score(base: u32, mbase: u32, j: u32) -> f32 {
    var s = p.scale * x[base + j];
    if (p.has_mask != 0u) {
        s += mask[mbase + j];
    }
    return s;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.y * p.stride + gid.x;
    if (r >= p.rows) {
        return;
    }
    let base = r * p.ld;
    let mbase = ((r / (p.heads * p.mrows)) * p.mrows + r % p.mrows) * p.cols;
    // Online max and sum in one pass. The running max starts finite, so no
    // −Inf − (−Inf) can appear; the clamp keeps exp away from −Inf inputs.
    var m = NEG_MAX;
    var l = 0.0;
    for (var j = 0u; j < p.cols; j++) {
        let s = score(base, mbase, j);
        if (s < NEG_MAX) {
            continue; // −Inf: masked out
        }
        if (s > m) {
            l *= exp(max(m - s, -1000.0));
            m = s;
        }
        l += exp(max(s - m, -1000.0));
    }
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var j = 0u; j < p.cols; j++) {
        let s = score(base, mbase, j);
        y[base + j] = select(exp(max(s - m, -1000.0)) * inv, 0.0, s < NEG_MAX);
    }
    for (var j = p.cols; j < p.ld; j++) {
        y[base + j] = 0.0;
    }
}
