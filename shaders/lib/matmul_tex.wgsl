// at and bt fetch texel (x, y) of the A and B operands (bindings `a` and
// `b`, rgba32float) of the _tex matmul kernels: four consecutive elements
// of one stored row, counted from the origin of the current batch's view.
//
// A texture holds the whole stored region its views cover, one buffer row
// (p.a_row, p.b_row elements: the copy's row stride) per texture row, from
// the first view's first element (so p.a_off and p.b_off are 0 here). A
// batch's view starts where batch_offsets puts it, which is texel
// ((e % row) / 4, e / row) for its element offset e: per head of a
// (B, T, H·D) tensor, a block of texel columns of rows b·T.. . model/gpu
// checks that every view starts on a texel and stays inside its rows.
// #import matmul_params

var<private> a_org: vec2<u32>;
var<private> b_org: vec2<u32>;

fn at(x: u32, y: u32) -> vec4<f32> { return textureLoad(a, a_org + vec2<u32>(x, y), 0); }
fn bt(x: u32, y: u32) -> vec4<f32> { return textureLoad(b, b_org + vec2<u32>(x, y), 0); }

// tex_batch points at and bt at batch z's views and returns the first
// element of its C view.
fn tex_batch(z: u32) -> u32 {
    let o = batch_offsets(z);
    a_org = vec2<u32>((o.x % p.a_row) / 4u, o.x / p.a_row);
    b_org = vec2<u32>((o.y % p.b_row) / 4u, o.y / p.b_row);
    return o.z;
}
