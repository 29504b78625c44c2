"""The tiny preset's box and augmentation, studied in PyTorch: stage 1 (14 report attributes, masked
class-weighted CE, AdamW, cosine with warm-up) on exported phase-A crops, then a ridge logistic probe for
malignancy on the held-out kidneys' pooled features. Independent of the TypeScript stack: it tells whether a box
or augmentation choice helps the recipe.

    /usr/bin/python3 stage1_probe.py DIR --box 100|50 [--epochs 16] [--seed 0] [--intensity] [--train-kidneys N]

DIR holds train/heldout .f32 + .json from export-crops.mjs (100 mm box at 16×64×64; --box 50 keeps the
central 8×32×32, a 50 mm box at the same resolution). --intensity adds the paper's intensity augmentation in
training (gamma in [0.5, 2] with probability 0.5, then scale and shift ±0.1, per sample, clipped to [0, 1]).
--train-kidneys N trains on the first N training kidneys only (the held-out kidneys stay all), to see what more
pretraining scans are worth at a fixed number of steps. Needs Debian's python3-torch and python3-scipy.
"""
import argparse, json, math
import numpy as np
import torch
import torch.nn as nn
from scipy.optimize import minimize
from scipy.stats import rankdata

CLASSES = [3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3]


def load(directory, name, box):
    labels = json.load(open(f'{directory}/{name}.json'))
    x = np.fromfile(f'{directory}/{name}.f32', dtype=np.float32).reshape(len(labels), 1, 16, 64, 64)
    if box == 50:
        x = x[:, :, 4:12, 16:48, 16:48]
    y = [[-1 if r['attributes'] is None else r['attributes'][a] for a in range(14)] for r in labels]
    mass = [r['attributes'] is not None and r['attributes'][0] > 0 for r in labels]
    malignant = [int(bool(r['malignant'])) if m else -1 for r, m in zip(labels, mass)]
    return torch.tensor(np.ascontiguousarray(x)), torch.tensor(y), np.array(malignant)


def resnet18(widths=(8, 16, 32, 64)):
    """3-D ResNet-18 with shortcut A, as renal-resnet3d's tiny preset."""

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv3d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm3d(cout), nn.ReLU(),
                nn.Conv3d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm3d(cout))
            self.stride, self.extra = stride, cout - cin

        def forward(self, x):
            shortcut = x[:, :, ::self.stride, ::self.stride, ::self.stride]
            if self.extra:
                shortcut = nn.functional.pad(shortcut, (0, 0, 0, 0, 0, 0, 0, self.extra))
            return torch.relu(self.body(x) + shortcut)

    w = widths
    return nn.Sequential(
        nn.Conv3d(1, w[0], 7, 2, 3, bias=False), nn.BatchNorm3d(w[0]), nn.ReLU(), nn.MaxPool3d(3, 2, 1),
        Block(w[0], w[0], 1), Block(w[0], w[0], 1), Block(w[0], w[1], 2), Block(w[1], w[1], 1),
        Block(w[1], w[2], 2), Block(w[2], w[2], 1), Block(w[2], w[3], 2), Block(w[3], w[3], 1),
        nn.AdaptiveAvgPool3d(1), nn.Flatten())


def paper_intensity(x, generator):
    """The paper's intensity augmentation per sample: gamma (log-uniform in [0.5, 2], p 0.5), scale, shift."""
    n = x.shape[0]
    shape = (n, 1, 1, 1, 1)
    gamma = torch.exp(torch.empty(shape).uniform_(math.log(0.5), math.log(2), generator=generator))
    gamma = torch.where(torch.rand(shape, generator=generator) < 0.5, gamma, torch.ones(shape))
    scale = 1 + torch.empty(shape).uniform_(-0.1, 0.1, generator=generator)
    shift = torch.empty(shape).uniform_(-0.1, 0.1, generator=generator)
    return (x.clamp(min=0) ** gamma * scale + shift).clamp(0, 1)


def auc(scores, labels):
    ranks = rankdata(scores)
    n1, n0 = (labels == 1).sum(), (labels == 0).sum()
    return (ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--box', type=int, choices=[100, 50], default=50)
    ap.add_argument('--epochs', type=int, default=16)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--intensity', action='store_true', help="the paper's intensity augmentation in training")
    ap.add_argument('--train-kidneys', type=int, default=0, help='train on the first N training kidneys (0: all)')
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    augment = torch.Generator().manual_seed(a.seed + 1)
    torch.set_num_threads(1)
    x, y, malignant = load(a.dir, 'train', a.box)
    if a.train_kidneys:
        x, y, malignant = x[:a.train_kidneys], y[:a.train_kidneys], malignant[:a.train_kidneys]
    xh, _, malignant_h = load(a.dir, 'heldout', a.box)
    weights = []
    for j, k in enumerate(CLASSES):
        counts = torch.bincount(y[:, j][y[:, j] >= 0], minlength=k).float()
        weights.append(torch.where(counts > 0, torch.clamp(counts.sum() / (k * counts), max=3.0), torch.zeros(k)))
    body, heads = resnet18(), nn.ModuleList([nn.Linear(64, k) for k in CLASSES])
    params = list(body.parameters()) + list(heads.parameters())
    opt = torch.optim.AdamW(params, 2e-3, weight_decay=0.005)
    batch, steps = 8, a.epochs * math.ceil(len(x) / 8)
    warm = max(1, int(0.05 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))
    for _ in range(a.epochs):
        body.train()
        for idx in torch.randperm(len(x)).split(batch):
            batch_x = paper_intensity(x[idx], augment) if a.intensity else x[idx]
            features, loss = body(batch_x), 0
            for j, head in enumerate(heads):
                known = y[idx, j] >= 0
                if known.any():
                    ce = nn.functional.cross_entropy(head(features[known]), y[idx, j][known], weight=weights[j], reduction='sum')
                    loss = loss + ce / weights[j][y[idx, j][known]].sum().clamp(min=1e-12)
            if torch.is_tensor(loss):
                opt.zero_grad(); loss.backward(); opt.step()
            sched.step()
    body.eval()
    with torch.no_grad():
        ft, fh = body(x).numpy(), body(xh).numpy()
    mu, sd = ft.mean(0), ft.std(0) + 1e-6
    ft, fh = (ft - mu) / sd, (fh - mu) / sd
    t, h = malignant >= 0, malignant_h >= 0
    design = np.c_[ft[t], np.ones(t.sum())]

    def objective(b, lam=10.0):
        z = design @ b
        return np.sum(np.logaddexp(0, z) - malignant[t] * z) + lam * np.sum(b[:-1] ** 2)

    b = minimize(objective, np.zeros(design.shape[1]), method='L-BFGS-B').x
    held = auc(np.c_[fh[h], np.ones(h.sum())] @ b, malignant_h[h])
    print(json.dumps({'box': a.box, 'epochs': a.epochs, 'seed': a.seed, 'intensity': a.intensity,
                      'train_kidneys': len(x), 'train': int(t.sum()),
                      'heldout': int(h.sum()), 'malignancy_probe_auc': round(float(held), 3)}))


if __name__ == '__main__':
    main()
