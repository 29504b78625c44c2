"""How far plain statistics of the box's centre read malignancy: the held-out malignancy AUC of (1) the mean of
the central 4×8×8 arterial voxels alone and (2) a ridge logistic model (λ 1) on the mean and standard deviation
of three central regions (4×8×8, 8×16×16, 12×24×24 voxels) in each of the four phases, fitted on the training
kidneys with a mass. A yardstick for what stage 1's CNN learns (stage1_probe.py), from the same exported crops.

    /usr/bin/python3 central_statistics.py DIR [DIR ...]

Each DIR is an export-crops.mjs folder (all four phases). Needs Debian's python3-scipy.
"""
import json, sys
import numpy as np
from scipy.optimize import minimize
from scipy.stats import rankdata

REGIONS = [(2, 4), (4, 8), (6, 12)]  # half-sizes (depth, in-plane) around the centre of 16×64×64


def auc(scores, labels):
    ranks = rankdata(scores)
    n1, n0 = (labels == 1).sum(), (labels == 0).sum()
    return (ranks[labels == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def region(x, half):
    d, h = half
    return x[:, 8 - d:8 + d, 32 - h:32 + h, 32 - h:32 + h].reshape(len(x), -1)


def load(directory, name):
    labels = json.load(open(f'{directory}/{name}.json'))
    malignant = np.array([int(bool(r['malignant'])) if r['attributes'] is not None and r['attributes'][0] > 0 else -1
                          for r in labels])
    phases = [np.fromfile(f'{directory}/{name}{p}.f32', dtype=np.float32).reshape(len(labels), 16, 64, 64)
              for p in ('', '-N', '-V', '-D')]
    statistics = []
    for x in phases:
        for half in REGIONS:
            values = region(x, half)
            statistics += [values.mean(1), values.std(1)]
    return phases[0], np.stack(statistics, 1), malignant


def main():
    for directory in sys.argv[1:]:
        _, train, malignant = load(directory, 'train')
        arterial, held, malignant_h = load(directory, 'heldout')
        t, h = malignant >= 0, malignant_h >= 0
        central_mean = auc(region(arterial[h], (2, 4)).mean(1), malignant_h[h])
        mu, sd = train.mean(0), train.std(0) + 1e-6
        design = np.c_[(train[t] - mu) / sd, np.ones(t.sum())]

        def objective(b):
            z = design @ b
            return np.sum(np.logaddexp(0, z) - malignant[t] * z) + np.sum(b[:-1] ** 2)

        b = minimize(objective, np.zeros(design.shape[1]), method='L-BFGS-B').x
        logistic = auc(np.c_[(held[h] - mu) / sd, np.ones(h.sum())] @ b, malignant_h[h])
        print(json.dumps({'dir': directory, 'heldout': int(h.sum()), 'central_mean_auc': round(float(central_mean), 3),
                          'central_statistics_logistic_auc': round(float(logistic), 3)}))


if __name__ == '__main__':
    main()
