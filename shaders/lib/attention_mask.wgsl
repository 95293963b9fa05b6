// Which keys a query row sees under the structural mask p.mode, and where
// the additive bias of (batch, head, row, key) lies; see attention_fwd.wgsl.
// #import attention_params

// key_range is [lo, hi), the keys query row i may see; both ends are
// non-decreasing in i, so a block's union is [lo(first), hi(last)).
fn key_range(i: u32) -> vec2<u32> {
    let a = p.past + i;
    if (p.mode != 0u && a < p.nq) {
        return vec2<u32>(0u, min(p.nq, p.tk));
    }
    if (p.mode == 1u) {
        return vec2<u32>(p.nq, p.tk);
    }
    if (p.mode == 2u) {
        return vec2<u32>(0u, min(a + 1u, p.tk));
    }
    return vec2<u32>(0u, p.tk);
}

// query_range is [lo, hi), the query rows that may see key j (the inverse of
// key_range); both ends are non-decreasing in j.
fn query_range(j: u32) -> vec2<u32> {
    let n = min(select(0u, p.nq - p.past, p.nq > p.past), p.tq); // rows before nq
    if (p.mode == 1u) {
        return select(vec2<u32>(n, p.tq), vec2<u32>(0u, n), j < p.nq);
    }
    if (p.mode == 2u && j >= p.nq) {
        return vec2<u32>(min(select(0u, j - p.past, j > p.past), p.tq), p.tq);
    }
    return vec2<u32>(0u, p.tq);
}

// bias_index is the element of the bias buffer added to score (i, j) of
// batch b, head h: broadcast strides sb, sh, si, and keys contiguous.
fn bias_index(b: u32, h: u32, i: u32, j: u32) -> u32 {
    return b * p.sb + h * p.sh + i * p.si + j;
}
