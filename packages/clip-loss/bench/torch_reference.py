"""PyTorch reference timing for the renal-clip-loss benchmark: symmetric InfoNCE forward+backward.

Usage: /usr/bin/python3 torch_reference.py N DIM REPEATS [EMBEDDINGS.f32]   (prints one JSON line)
The optional file holds the image then the text embeddings as little-endian float32, N×DIM each.
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
n, dim, repeats = (int(a) for a in sys.argv[1:4])
if len(sys.argv) > 4:
    values = torch.from_numpy(np.fromfile(sys.argv[4], dtype="<f4").reshape(2, n, dim).copy())
    img, txt = values[0].clone().requires_grad_(True), values[1].clone().requires_grad_(True)
else:
    g = torch.Generator().manual_seed(0)
    img = torch.randn(n, dim, generator=g, requires_grad=True)
    txt = torch.randn(n, dim, generator=g, requires_grad=True)
log_scale = torch.tensor(math.log(1 / 0.07), requires_grad=True)
labels = torch.arange(n)


def step():
    scale = torch.clamp(log_scale, 0, math.log(100)).exp()
    logits = scale * F.normalize(img, dim=1) @ F.normalize(txt, dim=1).T
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    loss.backward()
    img.grad = txt.grad = log_scale.grad = None
    return loss.item()


step()
times = []
for _ in range(repeats):
    start = time.perf_counter()
    loss = step()
    times.append(time.perf_counter() - start)
times.sort()
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "loss": loss,
                  "median_s": times[len(times) // 2], "min_s": times[0]}))
