"""The tiny preset's box and augmentation, studied in PyTorch: stage 1 (14 report attributes, masked
class-weighted CE, AdamW, cosine with warm-up) on exported phase-A crops, then a ridge logistic probe for
malignancy on the held-out kidneys' pooled features. Independent of the TypeScript stack: it tells whether a box
or augmentation choice helps the recipe.

    /usr/bin/python3 stage1_probe.py DIR --box 100|50 [--epochs 16] [--seed 0] [--intensity] [--train-kidneys N]
        [--random-phase] [--affine] [--widths 8,16,32,64] [--lr 2e-3] [--batch 8] [--centre-view]
        [--phase-channels]

DIR holds train/heldout .f32 + .json from export-crops.mjs (100 mm box at 16×64×64; --box 50 keeps the
central 8×32×32, a 50 mm box at the same resolution). --intensity adds the paper's intensity augmentation in
training (gamma in [0.5, 2] with probability 0.5, then scale and shift ±0.1, per sample, clipped to [0, 1]).
--train-kidneys N trains on the first N training kidneys only (the held-out kidneys stay all), to see what more
pretraining scans are worth at a fixed number of steps. --random-phase trains on a random phase per sample (the
pipeline's stage 1; the probe still reads phase A) and --affine adds the pipeline's random affine (rotation ±10°,
scale ±10 %) and a shift of up to 3 voxels, so the probe trains as the pipeline does; --widths, --lr and --batch
change the recipe. --centre-view (with --box 100) concatenates the pooled features of the central 50 mm, through
the same network, to the whole box's (renal-clip's `centreView`; here the two views share batch-norm statistics,
where the pipeline keeps them apart). --phase-channels feeds the four phases, which the synthetic cohort registers
voxel for voxel, as four input channels in training and probing (not a pipeline option). Needs Debian's
python3-torch and python3-scipy.
"""
import argparse, json, math
import numpy as np
import torch
import torch.nn as nn
from scipy.optimize import minimize
from scipy.stats import rankdata

CLASSES = [3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3]


def centre(x):
    """The central 50 mm (8×32×32) of the 100 mm box (16×64×64)."""
    return x[..., 4:12, 16:48, 16:48]


def load(directory, name, box, phases=('',)):
    """Crops [phases, N, 1, D, H, W] ('' is phase A, '-N', '-V', '-D' the others), attributes, malignancy."""
    labels = json.load(open(f'{directory}/{name}.json'))
    x = np.stack([np.fromfile(f'{directory}/{name}{p}.f32', dtype=np.float32).reshape(len(labels), 1, 16, 64, 64)
                  for p in phases])
    if box == 50:
        x = centre(x)
    y = [[-1 if r['attributes'] is None else r['attributes'][a] for a in range(14)] for r in labels]
    mass = [r['attributes'] is not None and r['attributes'][0] > 0 for r in labels]
    malignant = [int(bool(r['malignant'])) if m else -1 for r, m in zip(labels, mass)]
    return torch.tensor(np.ascontiguousarray(x)), torch.tensor(y), np.array(malignant)


def resnet18(widths, channels=1):
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
        nn.Conv3d(channels, w[0], 7, 2, 3, bias=False), nn.BatchNorm3d(w[0]), nn.ReLU(), nn.MaxPool3d(3, 2, 1),
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


def affine(x, generator):
    """The pipeline's training affine per sample: axial rotation ±10°, scale ±10 %, a shift of up to 3 voxels."""
    n = x.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(10)
    scale = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.1
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(n, 3, 4)
    theta[:, 0, 0] = 1
    theta[:, 1, 1], theta[:, 1, 2], theta[:, 2, 1], theta[:, 2, 2] = cos, -sin, sin, cos
    shift = torch.randint(-3, 4, (n, 2), generator=generator).float() * 2 / x.shape[-1]
    theta[:, 1, 3], theta[:, 2, 3] = shift[:, 0], shift[:, 1]
    grid = nn.functional.affine_grid(theta, x.shape, align_corners=False)
    return nn.functional.grid_sample(x, grid, align_corners=False, padding_mode='border')


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
    ap.add_argument('--random-phase', action='store_true', help='a random phase per training sample')
    ap.add_argument('--affine', action='store_true', help="the pipeline's random affine and shift in training")
    ap.add_argument('--widths', default='8,16,32,64')
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--centre-view', action='store_true', help='features of the whole box and of its central 50 mm')
    ap.add_argument('--phase-channels', action='store_true', help='the four phases as four input channels')
    a = ap.parse_args()
    if a.centre_view and a.box != 100:
        ap.error('--centre-view needs --box 100')
    if a.phase_channels and a.random_phase:
        ap.error('--phase-channels reads every phase; drop --random-phase')
    torch.manual_seed(a.seed)
    augment = torch.Generator().manual_seed(a.seed + 1)
    torch.set_num_threads(1)
    all_phases = ('', '-N', '-V', '-D')
    x, y, malignant = load(a.dir, 'train', a.box, all_phases if a.random_phase or a.phase_channels else ('',))
    if a.train_kidneys:
        x, y, malignant = x[:, :a.train_kidneys], y[:a.train_kidneys], malignant[:a.train_kidneys]
    xh, _, malignant_h = load(a.dir, 'heldout', a.box, all_phases if a.phase_channels else ('',))
    if a.phase_channels:
        # [phases, N, 1, D, H, W] → one sample of four channels: [1, N, phases, D, H, W].
        x, xh = x.transpose(0, 2).contiguous(), xh.transpose(0, 2).contiguous()
    xh = xh[0]
    weights = []
    for j, k in enumerate(CLASSES):
        counts = torch.bincount(y[:, j][y[:, j] >= 0], minlength=k).float()
        weights.append(torch.where(counts > 0, torch.clamp(counts.sum() / (k * counts), max=3.0), torch.zeros(k)))
    widths = [int(w) for w in a.widths.split(',')]
    body = resnet18(widths, 4 if a.phase_channels else 1)
    encode = (lambda v: torch.cat([body(v), body(centre(v))], 1)) if a.centre_view else body
    width = widths[3] * (2 if a.centre_view else 1)
    heads = nn.ModuleList([nn.Linear(width, k) for k in CLASSES])
    params = list(body.parameters()) + list(heads.parameters())
    opt = torch.optim.AdamW(params, a.lr, weight_decay=0.005)
    kidneys = x.shape[1]
    batch, steps = a.batch, a.epochs * math.ceil(kidneys / a.batch)
    warm = max(1, int(0.05 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))
    for _ in range(a.epochs):
        body.train()
        for idx in torch.randperm(kidneys).split(batch):
            phase = torch.randint(0, x.shape[0], (len(idx),), generator=augment) if a.random_phase else 0
            batch_x = x[phase, idx]
            if a.affine:
                batch_x = affine(batch_x, augment)
            if a.intensity:
                batch_x = paper_intensity(batch_x, augment)
            features, loss = encode(batch_x), 0
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
        ft, fh = encode(x[0]).numpy(), encode(xh).numpy()
    mu, sd = ft.mean(0), ft.std(0) + 1e-6
    ft, fh = (ft - mu) / sd, (fh - mu) / sd
    t, h = malignant >= 0, malignant_h >= 0
    design = np.c_[ft[t], np.ones(t.sum())]

    def objective(b, lam=10.0):
        z = design @ b
        return np.sum(np.logaddexp(0, z) - malignant[t] * z) + lam * np.sum(b[:-1] ** 2)

    b = minimize(objective, np.zeros(design.shape[1]), method='L-BFGS-B').x
    held = auc(np.c_[fh[h], np.ones(h.sum())] @ b, malignant_h[h])
    print(json.dumps({'dir': a.dir, 'box': a.box, 'epochs': a.epochs, 'seed': a.seed, 'intensity': a.intensity,
                      'random_phase': a.random_phase, 'affine': a.affine, 'widths': widths, 'lr': a.lr,
                      'batch': batch, 'centre_view': a.centre_view, 'phase_channels': a.phase_channels, 'train_kidneys': kidneys, 'train': int(t.sum()),
                      'heldout': int(h.sum()), 'malignancy_probe_auc': round(float(held), 3)}))


if __name__ == '__main__':
    main()
