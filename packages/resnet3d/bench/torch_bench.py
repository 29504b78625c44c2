#!/usr/bin/python3
"""PyTorch reference timings for bench/index.mjs: the paper preset (ResNet-18, shortcut A, widths 64-512,
input 1x32x128x128, projection 512->4096). Prints one JSON object. Run with OMP_WAIT_POLICY=PASSIVE."""
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures'))
from make_fixtures import COUNTS, AttributeHeads, ResNet3D, multitask_loss  # noqa: E402


def main():
    threads = int(os.environ.get('BENCH_THREADS', '2'))
    reps = int(os.environ.get('BENCH_REPS', '2'))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = ResNet3D(18, 'A', [64, 128, 256, 512], 1, (7, 7, 7), (2, 2, 2), True)
    proj = nn.Linear(512, 4096)
    attr = AttributeHeads(512, COUNTS)
    out = {'threads': threads, 'torch': torch.__version__}

    net.eval()
    x1 = torch.rand(1, 1, 32, 128, 128)
    with torch.no_grad():
        proj(net(x1))  # warm-up
        t = time.perf_counter()
        for _ in range(reps):
            proj(net(x1))
        out['inference_s'] = (time.perf_counter() - t) / reps
    out['inference_vps'] = 1 / out['inference_s']

    net.train()
    params = list(net.parameters()) + list(attr.parameters())
    opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.005)
    x2 = torch.rand(2, 1, 32, 128, 128)
    labels = torch.randint(0, 2, (2, 14))

    def step():
        opt.zero_grad()
        loss = multitask_loss(attr(net(x2)), labels, [None] * 14)
        loss.backward()
        opt.step()

    step()  # warm-up
    t = time.perf_counter()
    for _ in range(reps):
        step()
    out['train_step_s'] = (time.perf_counter() - t) / reps
    out['train_vps'] = 2 / out['train_step_s']
    print(json.dumps(out))


if __name__ == '__main__':
    main()
