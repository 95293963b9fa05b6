// attention_fwd: fused multi-head scaled-dot-product attention,
//   out_i = Σ_j softmax_j(scale·q_i·k_j + mask_ij + bias_ij) v_j,
// and lse_i, the log-sum-exp of row i, saved for the backward pass.
// Layouts: q, out (B, Tq, H, D); k, v (B, Tk, H, D); lse (B, H, Tq); D a
// multiple of 4, at most 4·MAXD4.
// Structural mask (mode, from the token layout; query row i is at absolute
// position a = past + i):
//   0 none      every key                         (ITM, cross-attention)
//   1 unimodal  keys on the same side of nq as a  (ITC)
//   2 causal    a < nq: keys < nq; else keys < nq or ≤ a  (ITG; nq = 0: LM)
// Each leaves row i a contiguous key range [lo, hi), so masked keys cost
// nothing. The optional additive bias (key padding, T5 position bias) is
// read at b·sb + h·sh + i·si + j; a −Inf score drops the key. A row left
// with no key gives out = 0 and lse = MaxFloat32.
// Twin: cpu.AttentionForward(out, lse, q, k, v, bias, params).
//
// One invocation per (batch, head, block of R query rows), with an online
// softmax over the keys; no workgroup memory and no barrier. On lavapipe
// every storage load inside a loop is issued lane by lane, so what costs is
// loads, not arithmetic: each k and v vector loaded here serves R rows held
// in private arrays. R = 8 ran 3× faster than one row per invocation on the
// Q-Former shapes (docs/kernels-attention.md).

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

// #import attention_mask

const R: u32 = 8u; // query rows per invocation
const POS_MAX: f32 = 3.4028234663852886e38; // FLT_MAX, written exactly

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
    var m: array<f32, R>;
    var l: array<f32, R>;
    var qv: array<vec4<f32>, R * MAXD4>;
    var acc: array<vec4<f32>, R * MAXD4>;
    for (var r = 0u; r < R; r++) {
        let i = min(i0 + r, p.tq - 1u);
        let kr = key_range(i);
        lo_r[r] = kr.x;
        hi_r[r] = select(kr.x, kr.y, r < nr); // rows past Tq see nothing
        m[r] = NEG_MAX;
        l[r] = 0.0;
        let qb = ((b * p.tq + i) * p.h + h) * d4;
        for (var c = 0u; c < d4; c++) {
            qv[r * MAXD4 + c] = q[qb + c];
            acc[r * MAXD4 + c] = vec4<f32>(0.0);
        }
    }
    let lo = key_range(i0).x;
    let hi = key_range(i0 + nr - 1u).y;
    for (var j = lo; j < hi; j++) {
        let kb = (b * p.tk + j) * hd4 + h * d4;
        var dot4: array<vec4<f32>, R>;
        for (var r = 0u; r < R; r++) {
            dot4[r] = vec4<f32>(0.0);
        }
        for (var c = 0u; c < d4; c++) {
            let kc = k[kb + c];
            for (var r = 0u; r < R; r++) {
                dot4[r] = fma(qv[r * MAXD4 + c], kc, dot4[r]);
            }
        }
        var e: array<f32, R>;
        for (var r = 0u; r < R; r++) {
            var s = p.scale * (dot4[r].x + dot4[r].y + dot4[r].z + dot4[r].w);
            if (p.has_bias != 0u) {
                s += bias[bias_index(b, h, min(i0 + r, p.tq - 1u), j)];
            }
            let use_key = j >= lo_r[r] && j < hi_r[r] && s >= NEG_MAX;
            // The running max starts finite, so m − s is never NaN; the
            // clamps keep exp's argument finite.
            if (use_key && s > m[r]) {
                let corr = exp(max(m[r] - s, -1000.0));
                l[r] *= corr;
                for (var c = 0u; c < d4; c++) {
                    acc[r * MAXD4 + c] *= corr;
                }
                m[r] = s;
            }
            e[r] = select(0.0, exp(max(s - m[r], -1000.0)), use_key);
            l[r] += e[r];
        }
        for (var c = 0u; c < d4; c++) {
            let vc = v[kb + c];
            for (var r = 0u; r < R; r++) {
                acc[r * MAXD4 + c] = fma(vec4<f32>(e[r]), vc, acc[r * MAXD4 + c]);
            }
        }
    }
    for (var r = 0u; r < nr; r++) {
        let i = i0 + r;
        let qb = ((b * p.tq + i) * p.h + h) * d4;
        let inv = select(0.0, 1.0 / l[r], l[r] > 0.0);
        for (var c = 0u; c < d4; c++) {
            out[qb + c] = acc[r * MAXD4 + c] * inv;
        }
        lse[(b * p.h + h) * p.tq + i] = select(POS_MAX, m[r] + log(l[r]), l[r] > 0.0);
    }
}
