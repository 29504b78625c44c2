"""PyTorch reference timings for the renal-core conv3d benchmark (spawned by bench/index.mjs).

Prints one JSON object: for each layer, best-of-N seconds for forward (no autograd) and for
forward+backward (the gradients bench/index.mjs computes too). Run with Debian's /usr/bin/python3,
OMP_WAIT_POLICY=PASSIVE and 2 threads (set by the caller).
"""
import json
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.manual_seed(0)

LAYERS = {
    # name: (x NCDHW, weight OIDHW, stride, padding, does the input need a gradient)
    "3x3x3 16->32": ((2, 16, 32, 64, 64), (32, 16, 3, 3, 3), 1, 1, True),
    "stem 7x7x7 s2 1->64": ((2, 1, 32, 128, 128), (64, 1, 7, 7, 7), 2, 3, False),
}


def best(fn):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "layers": {}}
for name, (xs, ws, stride, pad, x_grad) in LAYERS.items():
    x = torch.randn(*xs, requires_grad=x_grad)
    w = (torch.randn(*ws) * 0.05).requires_grad_(True)

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv3d(x, w, stride=stride, padding=pad)

    dy = None

    def forward_backward():
        global dy
        y = torch.nn.functional.conv3d(x, w, stride=stride, padding=pad)
        if dy is None:
            dy = torch.randn_like(y)
        y.backward(dy)
        w.grad = None
        x.grad = None

    out["layers"][name] = {"forward": best(forward), "forwardBackward": best(forward_backward)}
print(json.dumps(out))
