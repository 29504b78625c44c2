"""PyTorch reference for `pnpm bench`: the same Llama encoder (6 layers, 384 wide, 6 heads, SwiGLU 1536,
RoPE, bidirectional attention) at batch 8 x 256, inference and one LoRA MNTP training step, 1 thread.
Prints one JSON line: {"inferTokensPerSec": ..., "trainTokensPerSec": ...}."""
import json, math, sys, time
import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)
L, D, H, F, V, B, T, R = 6, 384, 6, 1536, 1000, 8, 256, 16
HD = D // H
W = {m: torch.randn(o, i) * 0.02 for m, (o, i) in {'q': (D, D), 'k': (D, D), 'v': (D, D), 'o': (D, D), 'g': (F, D), 'u': (F, D), 'd': (D, F)}.items()}
layers = [{m: w.clone() for m, w in W.items()} for _ in range(L)]
lora = [{m: (torch.randn(R, w.shape[1]) * 0.01, torch.zeros(w.shape[0], R)) for m, w in W.items()} for _ in range(L)]
emb = torch.randn(V, D) * 0.02
inv = 1.0 / (500000.0 ** (torch.arange(0, HD, 2).float() / HD))
fr = torch.arange(T).float()[:, None] * inv[None]
cos, sin = torch.cat([fr, fr], -1).cos(), torch.cat([fr, fr], -1).sin()


def rms(x):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)


def rot(x):
    return torch.cat([-x[..., HD // 2:], x[..., : HD // 2]], -1)


def forward(ids, use_lora):
    x = emb[ids]
    for l in range(L):
        def lin(h, m):
            y = h @ layers[l][m].T
            if use_lora:
                a, b = lora[l][m]
                y = y + (h @ a.T @ b.T) * 2.0
            return y
        h = rms(x)
        q = lin(h, 'q').view(B, T, H, HD).transpose(1, 2)
        k = lin(h, 'k').view(B, T, H, HD).transpose(1, 2)
        v = lin(h, 'v').view(B, T, H, HD).transpose(1, 2)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(HD), -1)
        x = x + lin((a @ v).transpose(1, 2).reshape(B, T, D), 'o')
        g = rms(x)
        x = x + lin(torch.nn.functional.silu(lin(g, 'g')) * lin(g, 'u'), 'd')
    return rms(x)


ids = torch.randint(0, V, (B, T))
with torch.no_grad():
    forward(ids, False)
    t = time.perf_counter()
    n = 2
    for _ in range(n):
        forward(ids, False)
    infer = B * T * n / (time.perf_counter() - t)

params = [p for l in lora for pair in l.values() for p in pair]
for p in params:
    p.requires_grad_(True)
opt = torch.optim.Adam(params, lr=1e-4)
mask = torch.rand(B, T) < 0.2
mask[:, 0] = False
pos = mask.nonzero()


def step():
    opt.zero_grad()
    h = forward(ids, True)
    logits = h[pos[:, 0], pos[:, 1] - 1] @ emb.T
    loss = torch.nn.functional.cross_entropy(logits, ids[pos[:, 0], pos[:, 1]])
    loss.backward()
    opt.step()


step()
t = time.perf_counter()
n = 2
for _ in range(n):
    step()
train = B * T * n / (time.perf_counter() - t)
print(json.dumps({'inferTokensPerSec': infer, 'trainTokensPerSec': train}))
