// itmpairs_fwd: the 3B image–text pairs of ITM (blip2-spec §5.2), with the
// hard negatives drawn on the device, so the step needs no readback in its
// middle. logits (b, b) is ITC's i2t matrix (images × texts). Pair p of
// block 0 is (image p, text p), the positive; block 1 is (negative image of
// text p, text p); block 2 is (image p, negative text of image p). A
// negative is drawn from the softmax of its row (i2t row p for texts, i2t
// column p for images) with the positive left out, by inverse CDF on the
// uniform u[p] (images) or u[b + p] (texts), each in [0, 1).
// Thread t < b fills the image negative of text t and the four fixed
// entries of pair t; thread b + t draws the text negative of image t.
// Twin: cpu.ITMPairsForward(img, txt, logits, u, b).

@group(0) @binding(0) var<storage, read_write> img: array<u32>;
@group(0) @binding(1) var<storage, read_write> txt: array<u32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> u: array<f32>;

struct Params {
    b: u32,
    stride: u32, // threads per row of the dispatch grid
    _pad0: u32,
    _pad1: u32,
}
@group(0) @binding(4) var<uniform> p: Params;

// at is candidate c of row r: i2t[r, c] for a text negative, i2t[c, r]
// (column r) for an image negative.
fn at(r: u32, c: u32, column: bool) -> f32 {
    if (column) {
        return logits[c * p.b + r];
    }
    return logits[r * p.b + c];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let t = gid.y * p.stride + gid.x;
    let b = p.b;
    if (t >= 2u * b) {
        return;
    }
    let column = t < b;
    let r = select(t - b, t, column);
    var mx = -3.4028234663852886e38; // -FLT_MAX
    for (var c = 0u; c < b; c++) {
        if (c != r) {
            mx = max(mx, at(r, c, column));
        }
    }
    var s = 0.0;
    for (var c = 0u; c < b; c++) {
        if (c != r) {
            s += exp(at(r, c, column) - mx);
        }
    }
    // The first candidate whose running sum passes u·s; past the end (u·s
    // rounded up to s), the last candidate with a positive weight.
    let goal = u[t] * s;
    var acc = 0.0;
    var pick = r;
    var last = r;
    for (var c = 0u; c < b; c++) {
        if (c == r) {
            continue;
        }
        let w = exp(at(r, c, column) - mx);
        if (w > 0.0) {
            last = c;
        }
        acc += w;
        if (goal < acc) {
            pick = c;
            break;
        }
    }
    if (pick == r) {
        pick = last;
    }
    if (column) {
        img[r] = r;
        img[b + r] = pick;
        img[2u * b + r] = r;
        txt[r] = r;
        txt[b + r] = r;
    } else {
        txt[2u * b + r] = pick;
    }
}
