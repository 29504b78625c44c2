"""Stage 2's projection at different contrastive temperatures, in PyTorch, on frozen features.

Trains a linear projection (as renal-clip's ProjectionHead: linear + bias, L2-normalised) from a run's pooled
backbone features to its frozen report embeddings with symmetric InfoNCE (identical reports as shared
positives, batch 32, AdamW (0.9, 0.98), wd 0.01), the logit scale learnt from 1/0.07 (CLIP) or fixed; then
scores, on the test split, zero-shot malignancy AUC (mean prompt prototypes, kidneys with a mass) and image-to-
text Recall@5 divided by its chance level. Independent of the TypeScript stack: only the exported vectors.

Usage: /usr/bin/python3 projection_temperature.py EXPORT.json [--features stage1|renalclip] [--repeats 4] [--ridge]

--ridge adds the other end of the scale: the projection fitted by least squares (ridge, closed form) from the
features to the report embeddings, so that each image lands on the mean report its features predict; and, as a
diagnostic that uses the training labels, how well the direction between the malignant and benign training
reports' mean embeddings separates the reports and the images, and its cosine with the prompts' direction.
"""

import argparse
import json
from math import comb

import numpy as np
import torch
from scipy.stats import rankdata


def normalise(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def auc(labels, scores):
    labels = np.asarray(labels)
    ranks = rankdata(scores)
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def prompt_direction(prompts):
    """Malignant minus benign class prototype (each the normalised mean of its normalised prompt embeddings)."""
    prototypes = [normalise(normalise(np.array(p)).mean(0)) for p in prompts]
    return prototypes[1] - prototypes[0]


def zero_shot_auc(images, malignant, prompts):
    keep = [i for i, y in enumerate(malignant) if y is not None]
    scores = normalise(images[keep]) @ prompt_direction(prompts)
    return auc([malignant[i] for i in keep], scores)


def recall5_over_chance(images, texts, reports):
    similarity = normalise(images) @ normalise(texts).T
    reports = np.array(reports)
    hits = chance = 0.0
    for q in range(len(reports)):
        relevant = reports == reports[q]
        hits += relevant[np.argsort(-similarity[q])[:5]].any()
        chance += 1 - comb(len(reports) - relevant.sum(), 5) / comb(len(reports), 5)
    return hits / chance


def train_projection(features, texts, reports, scale, seed, steps=1500, lr=2e-3):
    torch.manual_seed(seed)
    x = torch.tensor(features, dtype=torch.float32)
    t = torch.nn.functional.normalize(torch.tensor(texts, dtype=torch.float32), dim=1)
    linear = torch.nn.Linear(x.shape[1], t.shape[1])
    log_scale = torch.nn.Parameter(torch.tensor(float(np.log(1 / 0.07 if scale is None else scale))))
    params = list(linear.parameters()) + ([log_scale] if scale is None else [])
    optimiser = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
    reports = np.array(reports)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        batch = torch.randperm(len(x), generator=generator)[:32]
        images = torch.nn.functional.normalize(linear(x[batch]), dim=1)
        logits = log_scale.exp() * images @ t[batch].T
        same = reports[batch.numpy()]
        targets = torch.tensor(same[:, None] == same[None, :], dtype=torch.float32)
        targets = targets / targets.sum(1, keepdim=True)
        loss = -0.5 * ((targets * logits.log_softmax(1)).sum(1).mean() + (targets * logits.T.log_softmax(1)).sum(1).mean())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        with torch.no_grad():
            log_scale.clamp_(0, np.log(100))
    project = lambda f: torch.nn.functional.normalize(linear(torch.tensor(f, dtype=torch.float32)), dim=1)
    return lambda f: project(f).detach().numpy(), float(log_scale.exp())


def ridge_projection(features, texts, penalty):
    """Least-squares map from standardised features to report embeddings (closed form, ridge penalty)."""
    targets = normalise(np.asarray(texts))
    centre = targets.mean(0)
    weights = np.linalg.solve(features.T @ features + penalty * np.eye(features.shape[1]),
                              features.T @ (targets - centre))
    return lambda f: normalise(f @ weights + centre)


def direction_diagnostics(run, test_images):
    """The training reports' malignant-minus-benign mean direction against the prompts' direction."""
    train, test = run["train"], run["test"]
    texts, labels = normalise(np.array(train["text"])), train["malignant"]
    malignant = [i for i, y in enumerate(labels) if y == 1]
    benign = [i for i, y in enumerate(labels) if y == 0]
    reports_direction = texts[malignant].mean(0) - texts[benign].mean(0)
    prompts = prompt_direction(run["prompts"])
    keep = [i for i, y in enumerate(test["malignant"]) if y is not None]
    y = [test["malignant"][i] for i in keep]
    test_texts = normalise(np.array(test["text"]))[keep]
    cosine = reports_direction @ prompts / np.linalg.norm(reports_direction) / np.linalg.norm(prompts)
    print(f"  training reports' malignancy direction (uses labels): test reports {auc(y, test_texts @ reports_direction):.3f}, "
          f"test images {auc(y, normalise(test_images[keep]) @ reports_direction):.3f}; cosine with the prompts' direction {cosine:.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("--features", default="stage1", choices=["stage1", "renalclip"])
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--ridge", action="store_true", help="least-squares projections and direction diagnostics")
    args = parser.parse_args()
    torch.set_num_threads(1)
    run = json.load(open(args.export))
    train, test = run["train"], run["test"]
    x_train = np.array(train[args.features])
    mean, sd = x_train.mean(0), x_train.std(0) + 1e-6
    x_train, x_test = (x_train - mean) / sd, (np.array(test[args.features]) - mean) / sd
    print(f"seed {run['seed']}, {args.features} features; test text ceiling (prompts on the true reports): "
          f"{zero_shot_auc(np.array(test['text']), test['malignant'], run['prompts']):.3f}")
    for label, scale in [("learnt from 1/0.07", None), ("fixed 25", 25.0), ("fixed 10", 10.0),
                         ("fixed 5", 5.0), ("fixed 3", 3.0)]:
        aucs, recalls, scales = [], [], []
        for repeat in range(args.repeats):
            project, final = train_projection(x_train, np.array(train["text"]), train["report"], scale, repeat)
            images = project(x_test)
            aucs.append(zero_shot_auc(images, test["malignant"], run["prompts"]))
            recalls.append(recall5_over_chance(images, np.array(test["text"]), test["report"]))
            scales.append(final)
        print(f"  scale {label:<18} (ends {np.mean(scales):5.1f}): zero-shot {np.mean(aucs):.3f} ± {np.std(aucs):.3f}, "
              f"R@5 ÷ chance {np.mean(recalls):.2f}")
        if args.ridge and label == "fixed 10":
            direction_diagnostics(run, images)
    if args.ridge:
        for penalty in [1.0, 10.0, 100.0]:
            images = ridge_projection(x_train, train["text"], penalty)(x_test)
            print(f"  least squares, ridge {penalty:<6g}: zero-shot {zero_shot_auc(images, test['malignant'], run['prompts']):.3f}, "
                  f"R@5 ÷ chance {recall5_over_chance(images, np.array(test['text']), test['report']):.2f}")


if __name__ == "__main__":
    main()
