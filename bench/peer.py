"""The peer measurement: the training steps `server bench -train` times,
written in PyTorch on the CPU from the same config.json (same batch, same
sequence lengths, float32, no dropout), timed here, then the project's own
step in the same run; one JSON line per stage with both samples/s and
their ratio.

Stage 1 is ITC (max over queries, learnable temperature, label smoothing
0.1) + ITM (3B pairs, hard negatives drawn from the ITC softmax with the
positive masked) + ITG (multimodal causal mask, label smoothing 0.1) over
cached image features, then AdamW. Stage 0 is the image encoder's CLIP
step against the Q-Former's text tower, then AdamW.
"""
import argparse, json, os, platform, subprocess, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def attention(q, k, v, heads, bias=None):
    B, Tq, H = q.shape
    Tk, d = k.shape[1], H // heads
    q = q.view(B, Tq, heads, d).transpose(1, 2)
    k = k.view(B, Tk, heads, d).transpose(1, 2)
    v = v.view(B, Tk, heads, d).transpose(1, 2)
    s = q @ k.transpose(-1, -2) / d ** 0.5
    if bias is not None:
        s = s + bias
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(B, Tq, H)


class ViTLayer(nn.Module):  # pre-LN, fused qkv
    def __init__(s, w, heads, mlp):
        super().__init__()
        s.heads, s.ln1, s.qkv, s.proj = heads, nn.LayerNorm(w), nn.Linear(w, 3 * w), nn.Linear(w, w)
        s.ln2, s.fc1, s.fc2 = nn.LayerNorm(w), nn.Linear(w, mlp), nn.Linear(mlp, w)

    def forward(s, x):
        q, k, v = s.qkv(s.ln1(x)).chunk(3, -1)
        x = x + s.proj(attention(q, k, v, s.heads))
        return x + s.fc2(F.gelu(s.fc1(s.ln2(x))))


class ViT(nn.Module):
    def __init__(s, c):
        super().__init__()
        w, p, n = c["hidden_size"], c["patch_size"], (c["image_size"] // c["patch_size"]) ** 2
        s.patch = nn.Conv2d(3, w, p, p)
        s.cls, s.pos = nn.Parameter(torch.randn(1, 1, w) * .02), nn.Parameter(torch.randn(1, n + 1, w) * .02)
        s.layers = nn.ModuleList(ViTLayer(w, c["num_attention_heads"], c["intermediate_size"]) for _ in range(c["num_hidden_layers"]))
        s.post = nn.LayerNorm(w)

    def forward(s, px):
        x = s.patch(px).flatten(2).transpose(1, 2)
        x = torch.cat([s.cls.expand(len(x), -1, -1), x], 1) + s.pos
        for l in s.layers:
            x = l(x)
        return s.post(x)


class QLayer(nn.Module):  # BERT post-LN; queries also cross-attend and have their own FFN
    def __init__(s, h, heads, mlp, dv, cross):
        super().__init__()
        s.heads, s.qkv, s.o, s.ln = heads, nn.Linear(h, 3 * h), nn.Linear(h, h), nn.LayerNorm(h)
        if cross:
            s.cq, s.ckv, s.co, s.cln = nn.Linear(h, h), nn.Linear(dv, 2 * h), nn.Linear(h, h), nn.LayerNorm(h)
        s.cross = cross
        s.ffn_t = nn.Sequential(nn.Linear(h, mlp), nn.GELU(), nn.Linear(mlp, h))
        s.ffn_q = nn.Sequential(nn.Linear(h, mlp), nn.GELU(), nn.Linear(mlp, h))
        s.ln_t, s.ln_q = nn.LayerNorm(h), nn.LayerNorm(h)

    def forward(s, x, nq, img, bias):
        q, k, v = s.qkv(x).chunk(3, -1)
        x = s.ln(x + s.o(attention(q, k, v, s.heads, bias)))
        xq, xt = x[:, :nq], x[:, nq:]
        if nq and s.cross:
            k, v = s.ckv(img).chunk(2, -1)
            xq = s.cln(xq + s.co(attention(s.cq(xq), k, v, s.heads)))
        out = []
        if nq:
            out.append(s.ln_q(xq + s.ffn_q(xq)))
        if xt.shape[1]:
            out.append(s.ln_t(xt + s.ffn_t(xt)))
        return torch.cat(out, 1)


class QFormer(nn.Module):
    def __init__(s, c, nq, e):
        super().__init__()
        q = c["qformer_config"]
        h, freq = q["hidden_size"], q.get("cross_attention_frequency") or 2
        s.queries = nn.Parameter(torch.randn(1, nq, h) * .02)
        s.word, s.pos = nn.Embedding(q["vocab_size"], h), nn.Embedding(q["max_position_embeddings"], h)
        s.ln = nn.LayerNorm(h)
        s.layers = nn.ModuleList(QLayer(h, q["num_attention_heads"], q["intermediate_size"], q["encoder_hidden_size"], i % freq == 0)
                                 for i in range(q["num_hidden_layers"]))
        s.vproj, s.tproj, s.itm = nn.Linear(h, e), nn.Linear(h, e), nn.Linear(h, 2)
        s.dec_dense, s.dec_ln, s.dec_bias = nn.Linear(h, h), nn.LayerNorm(h), nn.Parameter(torch.zeros(q["vocab_size"]))
        s.temp = nn.Parameter(torch.tensor(0.07))

    def forward(s, B, ids=None, img=None, bias=None):
        parts = [s.queries.expand(B, -1, -1)] if img is not None else []
        if ids is not None:
            parts.append(s.word(ids) + s.pos(torch.arange(ids.shape[1])))
        x, nq = s.ln(torch.cat(parts, 1)), (s.queries.shape[1] if img is not None else 0)
        for l in s.layers:
            x = l(x, nq, img, bias)
        return x

    def lm_logits(s, h):
        return s.dec_ln(F.gelu(s.dec_dense(h))) @ s.word.weight.t() + s.dec_bias


def key_bias(mask, nq):  # (B, T) 0/1 → (B, 1, 1, nq+T)
    m = torch.cat([torch.ones(len(mask), nq), mask.float()], 1)
    return ((1 - m) * -10000)[:, None, None, :]


def stage1_loss(qf, feats, ids, mask):
    B, nq = len(ids), qf.queries.shape[1]
    z = F.normalize(qf.vproj(qf(B, img=feats)), dim=-1)                    # (B, Q, E)
    t = F.normalize(qf.tproj(qf(B, ids=ids, bias=key_bias(mask, 0))[:, 0]), dim=-1)
    i2t = torch.einsum("bqe,te->bqt", z, t).max(1).values / qf.temp
    y = torch.arange(B)
    itc = (F.cross_entropy(i2t, y, label_smoothing=.1) + F.cross_entropy(i2t.t(), y, label_smoothing=.1)) / 2
    with torch.no_grad():
        eye = torch.eye(B, dtype=torch.bool)
        neg_img = torch.multinomial(i2t.t().masked_fill(eye, -1e9).softmax(1), 1)[:, 0]
        neg_txt = torch.multinomial(i2t.masked_fill(eye, -1e9).softmax(1), 1)[:, 0]
    img = torch.cat([feats, feats[neg_img], feats])
    tid, tm = torch.cat([ids, ids, ids[neg_txt]]), torch.cat([mask, mask, mask[neg_txt]])
    h = qf(3 * B, ids=tid, img=img, bias=key_bias(tm, nq))
    itm = F.cross_entropy(qf.itm(h[:, :nq]).mean(1), torch.cat([torch.ones(B), torch.zeros(2 * B)]).long())
    T = ids.shape[1]
    causal = torch.full((nq + T, nq + T), -1e9).triu(1)
    causal[:nq, nq:] = -1e9                                                  # queries never see text
    causal[nq:, :nq] = 0                                                     # text sees every query
    h = qf(B, ids=ids, img=feats, bias=key_bias(mask, nq) + causal)
    logits = qf.lm_logits(h[:, nq:-1])
    labels = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
    itg = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), label_smoothing=.1, ignore_index=-100)
    return itc + itm + itg


def stage0_loss(vit, vis_proj, qf, px, ids, mask):
    B = len(px)
    i = F.normalize(vis_proj(vit(px)[:, 0]), dim=-1)
    t = F.normalize(qf.tproj(qf(B, ids=ids, bias=key_bias(mask, 0))[:, 0]), dim=-1)
    s, y = i @ t.t() / qf.temp, torch.arange(B)
    return (F.cross_entropy(s, y, label_smoothing=.1) + F.cross_entropy(s.t(), y, label_smoothing=.1)) / 2


def time_steps(params, loss_fn, steps):
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(.9, .98), weight_decay=.05)
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()
    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def peer_stage(c, stage, B, T, steps):
    torch.manual_seed(0)
    q, v = c["qformer_config"], c["vision_config"]
    qf = QFormer(c, c["num_query_tokens"], c["image_text_hidden_size"])
    ids = torch.randint(0, q["vocab_size"], (B, T))
    mask = torch.ones(B, T, dtype=torch.long)
    mask[:, T * 3 // 4:] = torch.randint(0, 2, (B, T - T * 3 // 4))
    if stage == "stage1":
        P = (v["image_size"] // v["patch_size"]) ** 2 + 1
        feats = torch.randn(B, P, v["hidden_size"])
        return time_steps(list(qf.parameters()), lambda: stage1_loss(qf, feats, ids, mask), steps)
    vit, vis_proj = ViT(v), nn.Linear(v["hidden_size"], c["image_text_hidden_size"])
    px = torch.randn(B, 3, v["image_size"], v["image_size"])
    params = list(vit.parameters()) + list(vis_proj.parameters()) + list(qf.parameters())
    return time_steps(params, lambda: stage0_loss(vit, vis_proj, qf, px, ids, mask), steps)


def ours(checkpoint, stage, B, T, steps):
    # -fill 1: every text position a token, as peer_stage's batches nearly are, and its ITG
    # logits are computed at every position; ours skip the positions without a label.
    cmd = ["go", "run", "./server", "bench", "-train", "-checkpoint", checkpoint, "-stage", stage,
           "-batch", str(B), "-text-len", str(T), "-steps", str(steps), "-profile=false", "-fill", "1"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("{") and '"train_step"' in line:
            return json.loads(line)
    raise SystemExit("no train_step line from: " + " ".join(cmd))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-checkpoint", default="web/models/default")
    ap.add_argument("-stages", default="stage1,stage0-vision")
    ap.add_argument("-batch", type=int, default=32)
    ap.add_argument("-text-len", type=int, default=32)
    ap.add_argument("-steps", type=int, default=3)
    ap.add_argument("-threads", type=int, default=os.cpu_count(), help="PyTorch's threads (Debian's build starts with 1)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    path = os.path.join(a.checkpoint, "config.json")
    if not os.path.exists(path):  # the streaming format carries it in its manifest
        path = os.path.join(a.checkpoint, "manifest.json")
    c = json.load(open(path))
    c = c.get("config", c)
    for stage in a.stages.split(","):
        s = peer_stage(c, stage, a.batch, a.text_len, a.steps)
        g = ours(a.checkpoint, stage, a.batch, a.text_len, a.steps)
        print(json.dumps({
            "kind": "peer", "stage": stage, "checkpoint": a.checkpoint, "batch": a.batch, "text_len": a.text_len,
            "cpu": platform.processor() or cpu_name(), "threads": torch.get_num_threads(),
            "blas_core": os.environ.get("OPENBLAS_CORETYPE", "(detected)"), "torch": torch.__version__,
            "pytorch_samples_per_s": round(a.batch / s, 2), "ours_samples_per_s": round(g["samples_per_s"], 2),
            "ours_adapter": g["adapter"], "ratio": round(g["samples_per_s"] / (a.batch / s), 3)}), flush=True)


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
