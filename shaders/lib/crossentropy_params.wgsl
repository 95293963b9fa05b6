// The parameters of crossentropy_fwd, _tex and _rows, mirrored by
// crossEntropyParams in model/gpu/crossentropy.go: keep the field order.
struct Params {
    rows: u32,
    cols: u32,
    ignore: i32,
    eps: f32,
    gx: u32, // workgroups (crossentropy_fwd) or threads (_tex, _rows) along x
    _p0: u32,
    _p1: u32,
    _p2: u32,
}
