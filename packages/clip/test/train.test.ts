import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoLeaks, initBackend, loadCheckpoint, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  clipByGlobalNorm,
  cosineWithWarmup,
  formatDuration,
  NonFiniteLossError,
  ProgressBar,
  requestStop,
  runStage,
  StageInterruptedError,
  streamBatches,
} from '../src/index.js';
import { readFileSync } from 'node:fs';

const reference = JSON.parse(
  readFileSync(new URL('./fixtures/metrics-reference.json', import.meta.url), 'utf8'),
);

beforeAll(async () => {
  await initBackend('cpu');
});

describe('AdamW', () => {
  it('matches torch.optim.AdamW step for step', async () => {
    const r = reference.adamw;
    const w = tf.variable(tf.tensor2d(r.w0));
    const opt = new AdamW([{ variables: [w] }], {
      beta1: r.beta1,
      beta2: r.beta2,
      epsilon: r.eps,
      weightDecay: r.weightDecay,
    });
    const step = (g: number[][]) => tf.tidy(() => opt.applyGradients({ [w.name]: tf.tensor2d(g) }, r.lr));
    step(r.grads[0]); // creates the two moment variables, which live as long as the optimiser
    await assertNoLeaks(() => r.grads.slice(1).forEach(step), 'AdamW steps');
    const got = w.arraySync() as number[][];
    for (const [i, v] of got.flat().entries()) expect(v).toBeCloseTo(r.after.flat()[i], 6);
    opt.dispose();
    w.dispose();
  });

  it('frees everything it made on dispose, also when stepped outside a tidy (as training loops do)', async () => {
    const w = tf.variable(tf.ones([3, 2]));
    await assertNoLeaks(() => {
      const opt = new AdamW([{ variables: [w] }]);
      const grad = tf.onesLike(w);
      opt.applyGradients({ [w.name]: grad }, 1e-3);
      opt.applyGradients({ [w.name]: grad }, 1e-3);
      opt.dispose();
      return [grad];
    }, 'AdamW lifetime');
    w.dispose();
  });

  it('scales the learning rate per group', () => {
    const a = tf.variable(tf.scalar(1));
    const b = tf.variable(tf.scalar(1));
    const opt = new AdamW([{ variables: [a], lrScale: 0.01 }, { variables: [b] }], { weightDecay: 0 });
    opt.applyGradients({ [a.name]: tf.scalar(1), [b.name]: tf.scalar(1) }, 0.1);
    // The first Adam step moves by lr exactly (m̂/√v̂ = 1).
    expect(a.dataSync()[0]).toBeCloseTo(1 - 0.001, 6);
    expect(b.dataSync()[0]).toBeCloseTo(1 - 0.1, 6);
    opt.dispose();
  });
});

describe('schedule and clipping', () => {
  it('warms up linearly, then follows half a cosine', () => {
    const o = { baseLr: 1, totalSteps: 110, warmupSteps: 10 };
    expect(cosineWithWarmup(0, o)).toBeCloseTo(0.1);
    expect(cosineWithWarmup(9, o)).toBeCloseTo(1);
    expect(cosineWithWarmup(60, o)).toBeCloseTo(0.5);
    expect(cosineWithWarmup(110, o)).toBeCloseTo(0);
  });

  it('clips by global norm as torch does', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5);
    expect(Array.from(clipped.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(clipped.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    tf.dispose(Object.values(clipped));
    const small = { a: tf.tensor1d([0.1]) };
    expect(clipByGlobalNorm(small, 1).grads.a).toBe(small.a);
    small.a.dispose();
  });
});

describe('progress and batches', () => {
  it('renders loss and ETA', () => {
    const lines: string[] = [];
    const bar = new ProgressBar('stage', 4, { write: (t) => lines.push(t), isTTY: false }, 0);
    bar.tick({ loss: 0.5 });
    bar.tick({ loss: 0.25 });
    expect(lines.at(-1)).toMatch(/stage \[#{10}\.{10}\] 2\/4 +loss 0\.2500 +ETA/);
    expect(formatDuration(125)).toBe('2m05s');
  });

  it('streams every item once per pass with bounded look-ahead', async () => {
    let loaded = 0;
    let consumed = 0;
    let maxAhead = 0;
    const seen: number[] = [];
    const items = Array.from({ length: 23 }, (_, i) => i);
    for await (const batch of streamBatches(
      items,
      async (i) => {
        loaded++;
        maxAhead = Math.max(maxAhead, loaded - consumed);
        return i * 2;
      },
      { batchSize: 5, seed: 1, prefetch: 1 },
    )) {
      consumed += batch.items.length;
      seen.push(...batch.items);
      expect(batch.samples).toEqual(batch.items.map((i) => i * 2));
    }
    expect(seen.sort((a, b) => a - b)).toEqual(items);
    expect(maxAhead).toBeLessThanOrEqual(10);
  });
});

describe('runStage', () => {
  const makeModel = () => {
    const w = tf.variable(tf.tensor1d([0, 0]));
    const opt = new AdamW([{ variables: [w] }], { weightDecay: 0 });
    return { w, opt };
  };
  const target = tf.tensor1d([1, -2]);
  const trainEpoch =
    (w: tf.Variable, opt: AdamW, poison = -1) =>
    async (ctx: { epoch: number; reportLoss(l: number): void }) => {
      for (let s = 0; s < 3; s++) {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar,
          [w],
        );
        opt.applyGradients(grads, 0.1);
        const loss = ctx.epoch === poison ? Number.NaN : value.dataSync()[0];
        tf.dispose([value, ...Object.values(grads)]);
        ctx.reportLoss(loss);
      }
    };

  it('checkpoints each epoch, resumes, and keeps the best by validation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stage-'));
    const { w, opt } = makeModel();
    const base = {
      name: 'toy',
      dir,
      stepsPerEpoch: 3,
      params: { 'toy.w': w },
      optimizer: opt,
      config: { kind: 'toy' },
      progress: null,
    };
    const first = await runStage({
      ...base,
      epochs: 2,
      trainEpoch: trainEpoch(w, opt),
      validate: async () => -tf.norm(tf.sub(w, target)).dataSync()[0],
    });
    expect(first.epochsRun).toBe(2);
    const saved = await loadCheckpoint(join(dir, 'last'));
    expect(saved.config.kind).toBe('toy');
    expect([...saved.tensors.keys()].sort()).toEqual(['optimizer/toy.w/m', 'optimizer/toy.w/v', 'toy.w']);
    expect(existsSync(join(dir, 'best'))).toBe(true);
    const afterTwo = Array.from(w.dataSync());
    // A fresh model resumes from epoch 2 with the same weights and optimiser state.
    const fresh = makeModel();
    const resumed = await runStage({
      ...base,
      params: { 'toy.w': fresh.w },
      optimizer: fresh.opt,
      epochs: 3,
      trainEpoch: async (ctx) => {
        if (ctx.epoch === 2) expect(Array.from(fresh.w.dataSync())).toEqual(afterTwo);
        await trainEpoch(fresh.w, fresh.opt)(ctx);
      },
    });
    expect(resumed.resumedFrom).toBe(2);
    expect(resumed.epochsRun).toBe(1);
    expect(fresh.opt.step).toBe(9);
    tf.dispose([w, fresh.w]);
    opt.dispose();
    fresh.opt.dispose();
  });

  it('stops on a NaN loss and keeps the last good checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stage-'));
    const { w, opt } = makeModel();
    const base = {
      name: 'toy',
      dir,
      stepsPerEpoch: 3,
      params: { 'toy.w': w },
      optimizer: opt,
      config: {},
      progress: null,
      epochs: 3,
    };
    await expect(runStage({ ...base, trainEpoch: trainEpoch(w, opt, 1) })).rejects.toThrow(
      NonFiniteLossError,
    );
    await expect(runStage({ ...base, resume: false, trainEpoch: trainEpoch(w, opt, 1) })).rejects.toThrow(
      /the loss became NaN at epoch 2/,
    );
    const kept = await loadCheckpoint(join(dir, 'last'));
    expect((kept.config.training as { epoch: number }).epoch).toBe(1);
    w.dispose();
    opt.dispose();
  });

  it('stops on request after the current step, keeping the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stage-'));
    const { w, opt } = makeModel();
    const run = runStage({
      name: 'toy',
      dir,
      stepsPerEpoch: 3,
      params: { 'toy.w': w },
      optimizer: opt,
      config: {},
      progress: null,
      epochs: 5,
      trainEpoch: async (ctx) => {
        if (ctx.epoch === 1) requestStop();
        await trainEpoch(w, opt)(ctx);
      },
    });
    await expect(run).rejects.toThrow(StageInterruptedError);
    const kept = await loadCheckpoint(join(dir, 'last'));
    expect((kept.config.training as { epoch: number }).epoch).toBe(1);
    w.dispose();
    opt.dispose();
  });
});
