"""PyTorch reference for the Cox loss benchmark: exact Breslow negative log partial likelihood
(mean over events) of 1e5 scores, forward + backward, one thread. Prints one JSON line.

    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch_reference.py DIR
"""
import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
data = np.loadtxt(f"{sys.argv[1]}/loss.csv", delimiter=",", skiprows=1)
t = torch.tensor(data[:, 0], dtype=torch.float32)
e = torch.tensor(data[:, 1], dtype=torch.float32)
eta0 = torch.tensor(data[:, 2], dtype=torch.float32)


def breslow(eta, t, e):
    order = torch.argsort(t, descending=True)
    eta_s, t_s, e_s = eta[order], t[order], e[order]
    log_risk = torch.logcumsumexp(eta_s, dim=0)
    # Tied times use the risk set that includes every member of their group.
    _, counts = torch.unique_consecutive(t_s, return_counts=True)
    ends = torch.cumsum(counts, 0) - 1
    log_risk = log_risk[torch.repeat_interleave(ends, counts)]
    return -((eta_s - log_risk) * e_s).sum() / e_s.sum()


times = []
cpu_times = []
for _ in range(30):
    eta = eta0.clone().requires_grad_(True)
    start = time.perf_counter()
    cpu_start = time.process_time()
    loss = breslow(eta, t, e)
    loss.backward()
    times.append(time.perf_counter() - start)
    cpu_times.append(time.process_time() - cpu_start)
print(json.dumps({
    "seconds": float(np.median(times[5:])),
    "cpu_seconds": float(np.median(cpu_times[5:])),
    "loss": loss.item(),
    "torch": torch.__version__,
}))
