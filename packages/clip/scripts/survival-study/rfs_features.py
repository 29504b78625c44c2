"""Where RenalCLIP's RFS C-index stands, from the frozen features export-features.mjs wrote (one file per seed).

For each encoder: a linear Cox model with a ridge penalty (Breslow ties, L-BFGS), fitted on the malignant
training kidneys' RFS and scored by Harrell's C on the malignant test kidneys — from phase A alone (as the
pipeline), from the four phases averaged, concatenated or late-fused (mean risk), per patient (the highest risk
among the patient's malignant kidneys, one row per patient), and fitted on training and validation together.
Then how well each encoder's features know the mass's size: a ridge map to the diameter the report states.

Usage: /usr/bin/python3 rfs_features.py features-0.json features-1.json features-2.json
"""
import json
import re
import sys

import numpy as np
from scipy.optimize import minimize

PHASES = ['N', 'A', 'V', 'D']
ENCODERS = ['scratch', 'stage1', 'renalclip']


def harrell_c(time, event, risk):
    """Harrell's C: pairs where the earlier time has an event; ties in risk count one half."""
    num = den = 0.0
    for i in range(len(time)):
        if not event[i]:
            continue
        later = time > time[i]
        den += later.sum()
        num += (risk[i] > risk[later]).sum() + 0.5 * (risk[i] == risk[later]).sum()
    return num / den


def cox_ridge(x, time, event, lam):
    """Coefficients maximising the Breslow partial likelihood per event minus lam/2 ‖b‖²."""
    order = np.argsort(-time)
    x, time, event = x[order], time[order], event[order]
    last_of_tie = np.r_[np.nonzero(np.diff(time))[0], len(time) - 1]
    tie_end = last_of_tie[np.searchsorted(last_of_tie, np.arange(len(time)))]
    events = max(event.sum(), 1)

    def loss(b):
        eta = x @ b
        w = np.exp(eta - eta.max())
        risk_set = np.cumsum(w)[tie_end]
        risk_x = np.cumsum(w[:, None] * x, 0)[tie_end]
        ll = np.sum(event * (eta - eta.max() - np.log(risk_set)))
        grad = np.sum(event[:, None] * (x - risk_x / risk_set[:, None]), 0)
        return -ll / events + 0.5 * lam * b @ b, -grad / events + lam * b

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method='L-BFGS-B').x


def malignant_rows(split):
    rows = [i for i, m in enumerate(split['malignant']) if m and split['rfs'][i]]
    time = np.array([split['rfs'][i]['time'] for i in rows], float)
    event = np.array([float(split['rfs'][i]['event']) for i in rows])
    return rows, time, event


def features(split, encoder, rows, mode):
    per_phase = [np.array([split[f'{encoder}_{p}'][i] for i in rows], float) for p in PHASES]
    return {'A': per_phase[1], 'mean': sum(per_phase) / 4, 'concat': np.concatenate(per_phase, 1)}.get(mode, per_phase)


def fit_and_score(x_train, t_train, e_train, x_tests, lam):
    """Fits on standardised training features; returns the risk of each test matrix (averaged: late fusion)."""
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-6
    b = cox_ridge((x_train - mu) / sd, t_train, e_train, lam)
    return sum(((x - mu) / sd) @ b for x in x_tests) / len(x_tests)


def per_patient(time, event, risk, patients):
    best = {}
    for t, e, r, p in zip(time, event, risk, patients):
        best[p] = (t, e, max(r, best[p][2]) if p in best else r)
    t, e, r = map(np.array, zip(*best.values()))
    return t, e, r


def stated_diameter(report):
    match = re.search(r'(\d+(?:\.\d+)?)(?: × \d+(?:\.\d+)?)? cm', report or '')
    return float(match.group(1)) if match else None


def size_correlation(data, encoder):
    def rows_of(split):
        rows = [i for i, r in enumerate(split['report']) if stated_diameter(r)]
        x = np.array([split[f'{encoder}_A'][i] for i in rows], float)
        return x, np.array([stated_diameter(split['report'][i]) for i in rows])
    x, y = rows_of(data['train'])
    xt, yt = rows_of(data['test'])
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z, zt = (x - mu) / sd, (xt - mu) / sd
    w = np.linalg.solve(z.T @ z + 10 * np.eye(z.shape[1]), z.T @ (y - y.mean()))
    predicted = zt @ w + y.mean()
    big = yt > 5
    corr = lambda a, b: float(np.corrcoef(a, b)[0, 1])
    return corr(predicted, yt), corr(predicted[big], yt[big])


def main(paths):
    table = {}
    for path in paths:
        data = json.load(open(path))
        tr, va, te = data['train'], data['val'], data['test']
        r_tr, t_tr, e_tr = malignant_rows(tr)
        r_va, t_va, e_va = malignant_rows(va)
        r_te, t_te, e_te = malignant_rows(te)
        patients = [te['patient'][i] for i in r_te]
        for encoder in ENCODERS:
            for lam in (0.1, 1.0):
                key = lambda name: table.setdefault((encoder, lam, name), [])
                for mode in ('A', 'mean', 'concat'):
                    risk = fit_and_score(features(tr, encoder, r_tr, mode), t_tr, e_tr,
                                         [features(te, encoder, r_te, mode)], lam)
                    key(f'phase {mode}').append(harrell_c(t_te, e_te, risk))
                    if mode == 'A':
                        key('per patient').append(harrell_c(*per_patient(t_te, e_te, risk, patients)))
                x_all = features(tr, encoder, r_tr, 'all')
                risk = fit_and_score(np.concatenate(x_all), np.tile(t_tr, 4), np.tile(e_tr, 4),
                                     features(te, encoder, r_te, 'all'), lam)
                key('late fusion').append(harrell_c(t_te, e_te, risk))
                x = np.r_[features(tr, encoder, r_tr, 'A'), features(va, encoder, r_va, 'A')]
                risk = fit_and_score(x, np.r_[t_tr, t_va], np.r_[e_tr, e_va], [features(te, encoder, r_te, 'A')], lam)
                key('train + val').append(harrell_c(t_te, e_te, risk))
            all_c, big_c = size_correlation(data, encoder)
            print(f'seed {data["seed"]} {encoder}: predicted vs stated diameter r = {all_c:.3f} (above 5 cm {big_c:.3f})')
    print('encoder, λ, variant: C-index per seed (mean)')
    for (encoder, lam, name), values in table.items():
        print(f'{encoder:9s} {lam:<4} {name:12s} {" ".join(f"{v:.3f}" for v in values)}  ({np.mean(values):.3f})')


if __name__ == '__main__':
    main(sys.argv[1:])
