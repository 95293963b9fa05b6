// attention_bwd_delta: stats (B, H, Tq, 2) = (lse_i, δ_i) per query row, with
// δ_i = Σ_d dout_i·out_i, the softmax-backward row term; packing both into
// one buffer keeps attention_bwd_dkv within 8 storage buffers.
// Layouts as attention_fwd: dout, out (B, Tq, H, D); lse (B, H, Tq).
// Twin: cpu.AttentionBackwardDelta(stats, dout, out, lse, params).
// One invocation per query row.

@group(0) @binding(0) var<storage, read_write> stats: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// #import attention_params

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.y * p.stride + gid.x;
    if (r >= p.b * p.h * p.tq) {
        return;
    }
    let i = r % p.tq;
    let h = (r / p.tq) % p.h;
    let b = r / (p.tq * p.h);
    let d4 = p.d / 4u;
    let base = ((b * p.tq + i) * p.h + h) * d4;
    var acc = vec4<f32>(0.0);
    for (var c = 0u; c < d4; c++) {
        acc = fma(dout[base + c], out[base + c], acc);
    }
    stats[2u * r] = lse[r];
    stats[2u * r + 1u] = acc.x + acc.y + acc.z + acc.w;
}
