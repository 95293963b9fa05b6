// at and bt fetch texel (x, y) of the A and B operands (bindings `a` and
// `b`, rgba32float) of the _tex matmul kernels: four consecutive elements
// of one stored row.

fn at(x: u32, y: u32) -> vec4<f32> { return textureLoad(a, vec2<u32>(x, y), 0); }
fn bt(x: u32, y: u32) -> vec4<f32> { return textureLoad(b, vec2<u32>(x, y), 0); }
