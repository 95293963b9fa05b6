// The parameters shared by attention_fwd and its three backward kernels,
// whose layouts and mask modes attention_fwd.wgsl describes. Mirrored by
// attnParams in model/gpu/attention.go: keep the field order.
struct Params {
    b: u32,
    tq: u32,
    tk: u32,
    h: u32,
    d: u32,
    scale: f32,
    mode: u32,
    nq: u32,
    past: u32,
    has_bias: u32,
    sb: u32,
    sh: u32,
    si: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad0: u32,
    _pad1: u32,
}

const MAXD4: u32 = 32u; // D/4 at most: the private row arrays are this long
const NEG_MAX: f32 = -3.4028234663852886e38; // -FLT_MAX, written exactly: Tint rejects a literal that rounds past it
