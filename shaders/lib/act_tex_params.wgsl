// The parameters of act_fwd_tex and act_bwd_tex, mirrored by actTexParams
// in model/gpu/act_tex.go: keep the field order.
struct Params {
    texels: u32, // four values each
    op: u32,
    stride: u32, // threads per row of the dispatch grid
    width: u32,  // texels per texture row
}
