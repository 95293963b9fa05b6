// attention_bwd_dkv: dk_j = scale·Σ_i dS_ij q_i and dv_j = Σ_i P_ij dout_i,
// with P and dS recomputed as in attention_bwd_dq.
// Layouts as attention_fwd; dk, dv (B, Tk, H, D).
// Twin: cpu.AttentionBackwardDKV(dk, dv, q, k, v, dout, stats, bias, params).
//
// R keys per invocation, looping over the query rows that may see them:
// each q and dout vector loaded serves R keys. R is 4, not 8 as in the
// other two kernels, since four arrays of R rows live in private memory.

@group(0) @binding(0) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

// #import attention_mask

const R: u32 = 4u; // keys per invocation

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let blocks = (p.tk + R - 1u) / R;
    let t = gid.y * p.stride + gid.x;
    if (t >= p.b * p.h * blocks) {
        return;
    }
    let j0 = (t % blocks) * R;
    let h = (t / blocks) % p.h;
    let b = t / (blocks * p.h);
    let d4 = p.d / 4u;
    let nr = min(R, p.tk - j0);

    var kv: array<vec4<f32>, R * MAXD4>;
    var vv: array<vec4<f32>, R * MAXD4>;
    var dka: array<vec4<f32>, R * MAXD4>;
    var dva: array<vec4<f32>, R * MAXD4>;
    for (var r = 0u; r < R; r++) {
        let kb = ((b * p.tk + min(j0 + r, p.tk - 1u)) * p.h + h) * d4;
        for (var c = 0u; c < d4; c++) {
            kv[r * MAXD4 + c] = k[kb + c];
            vv[r * MAXD4 + c] = v[kb + c];
            dka[r * MAXD4 + c] = vec4<f32>(0.0);
            dva[r * MAXD4 + c] = vec4<f32>(0.0);
        }
    }
    let lo = query_range(j0).x;
    let hi = query_range(j0 + nr - 1u).y;
    var qreg: array<vec4<f32>, MAXD4>;
    var greg: array<vec4<f32>, MAXD4>;
    for (var i = lo; i < hi; i++) {
        let qb = ((b * p.tq + i) * p.h + h) * d4;
        var sd: array<vec4<f32>, R>;
        var pd: array<vec4<f32>, R>;
        for (var r = 0u; r < R; r++) {
            sd[r] = vec4<f32>(0.0);
            pd[r] = vec4<f32>(0.0);
        }
        for (var c = 0u; c < d4; c++) {
            let qc = q[qb + c];
            let gc = dout[qb + c];
            qreg[c] = qc;
            greg[c] = gc;
            for (var r = 0u; r < R; r++) {
                sd[r] = fma(qc, kv[r * MAXD4 + c], sd[r]);
                pd[r] = fma(gc, vv[r * MAXD4 + c], pd[r]);
            }
        }
        let row = (b * p.h + h) * p.tq + i;
        let lse = stats[2u * row];
        let delta = stats[2u * row + 1u];
        let kr = key_range(i);
        var pr: array<f32, R>;
        var ds: array<f32, R>;
        for (var r = 0u; r < R; r++) {
            let j = j0 + r;
            var s = p.scale * (sd[r].x + sd[r].y + sd[r].z + sd[r].w);
            if (p.has_bias != 0u) {
                s += bias[bias_index(b, h, i, min(j, p.tk - 1u))];
            }
            let use_key = r < nr && j >= kr.x && j < kr.y && s >= NEG_MAX;
            let pij = select(0.0, exp(max(s - lse, -1000.0)), use_key);
            let dp = pd[r].x + pd[r].y + pd[r].z + pd[r].w;
            pr[r] = pij;
            ds[r] = p.scale * pij * (dp - delta);
        }
        for (var c = 0u; c < d4; c++) {
            for (var r = 0u; r < R; r++) {
                dva[r * MAXD4 + c] = fma(vec4<f32>(pr[r]), greg[c], dva[r * MAXD4 + c]);
                dka[r * MAXD4 + c] = fma(vec4<f32>(ds[r]), qreg[c], dka[r * MAXD4 + c]);
            }
        }
    }
    for (var r = 0u; r < nr; r++) {
        let kb = ((b * p.tk + j0 + r) * p.h + h) * d4;
        for (var c = 0u; c < d4; c++) {
            dk[kb + c] = dka[r * MAXD4 + c];
            dv[kb + c] = dva[r * MAXD4 + c];
        }
    }
}
