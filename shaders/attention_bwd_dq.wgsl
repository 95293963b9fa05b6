// attention_bwd_dq: dq_i = scale·Σ_j dS_ij k_j, with P_ij = exp(s_ij − lse_i)
// recomputed from the forward's scores s_ij = scale·q_i·k_j + bias_ij under
// the same structural mask, and dS_ij = P_ij·(dout_i·v_j − δ_i).
// Layouts as attention_fwd; stats (B, H, Tq, 2) from attention_bwd_delta.
// Twin: cpu.AttentionBackwardDQ(dq, q, k, v, dout, stats, bias, params).
//
// Same scheme as attention_fwd: R query rows per invocation, so each k and v
// vector loaded (lane by lane on lavapipe) serves R rows.

@group(0) @binding(0) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> bias: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;

// #import attention_mask

const R: u32 = 8u; // query rows per invocation

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let blocks = (p.tq + R - 1u) / R;
    let t = gid.y * p.stride + gid.x;
    if (t >= p.b * p.h * blocks) {
        return;
    }
    let i0 = (t % blocks) * R;
    let h = (t / blocks) % p.h;
    let b = t / (blocks * p.h);
    let d4 = p.d / 4u;
    let hd4 = p.h * d4;
    let nr = min(R, p.tq - i0);

    var lo_r: array<u32, R>;
    var hi_r: array<u32, R>;
    var lse_r: array<f32, R>;
    var delta_r: array<f32, R>;
    var qv: array<vec4<f32>, R * MAXD4>;
    var gv: array<vec4<f32>, R * MAXD4>;
    var acc: array<vec4<f32>, R * MAXD4>;
    for (var r = 0u; r < R; r++) {
        let i = min(i0 + r, p.tq - 1u);
        let kr = key_range(i);
        lo_r[r] = kr.x;
        hi_r[r] = select(kr.x, kr.y, r < nr); // rows past Tq see nothing
        let row = (b * p.h + h) * p.tq + i;
        lse_r[r] = stats[2u * row];
        delta_r[r] = stats[2u * row + 1u];
        let qb = ((b * p.tq + i) * p.h + h) * d4;
        for (var c = 0u; c < d4; c++) {
            qv[r * MAXD4 + c] = q[qb + c];
            gv[r * MAXD4 + c] = dout[qb + c];
            acc[r * MAXD4 + c] = vec4<f32>(0.0);
        }
    }
    let lo = key_range(i0).x;
    let hi = key_range(i0 + nr - 1u).y;
    var kreg: array<vec4<f32>, MAXD4>;
    for (var j = lo; j < hi; j++) {
        let kb = (b * p.tk + j) * hd4 + h * d4;
        var sd: array<vec4<f32>, R>; // q·k partial sums
        var pd: array<vec4<f32>, R>; // dout·v partial sums
        for (var r = 0u; r < R; r++) {
            sd[r] = vec4<f32>(0.0);
            pd[r] = vec4<f32>(0.0);
        }
        for (var c = 0u; c < d4; c++) {
            let kc = k[kb + c];
            let vc = v[kb + c];
            kreg[c] = kc;
            for (var r = 0u; r < R; r++) {
                sd[r] = fma(qv[r * MAXD4 + c], kc, sd[r]);
                pd[r] = fma(gv[r * MAXD4 + c], vc, pd[r]);
            }
        }
        var ds: array<f32, R>;
        for (var r = 0u; r < R; r++) {
            var s = p.scale * (sd[r].x + sd[r].y + sd[r].z + sd[r].w);
            if (p.has_bias != 0u) {
                s += bias[bias_index(b, h, min(i0 + r, p.tq - 1u), j)];
            }
            let use_key = j >= lo_r[r] && j < hi_r[r] && s >= NEG_MAX;
            // lse is MaxFloat32 for a row with no key: the clamp keeps the
            // difference finite and P then underflows to 0.
            let pij = exp(max(s - lse_r[r], -1000.0));
            let dp = pd[r].x + pd[r].y + pd[r].z + pd[r].w;
            ds[r] = select(0.0, p.scale * pij * (dp - delta_r[r]), use_key);
        }
        for (var c = 0u; c < d4; c++) {
            for (var r = 0u; r < R; r++) {
                acc[r * MAXD4 + c] = fma(vec4<f32>(ds[r]), kreg[c], acc[r * MAXD4 + c]);
            }
        }
    }
    for (var r = 0u; r < nr; r++) {
        let qb = ((b * p.tq + i0 + r) * p.h + h) * d4;
        for (var c = 0u; c < d4; c++) {
            dq[qb + c] = acc[r * MAXD4 + c];
        }
    }
}
