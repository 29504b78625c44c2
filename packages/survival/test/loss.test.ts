import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { assertNoLeaks, initBackend, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { coxLossValue, coxPartialLikelihoodLoss, type SurvivalWarning } from '../src/index.js';
import { expectClose } from './helpers.js';
import { coxNllOracle } from './oracles.js';

const golden = JSON.parse(readFileSync(new URL('./fixtures/torch-cox-loss.json', import.meta.url), 'utf8'));

/** Loss value and d loss / d eta through TensorFlow.js (float32 tensors). */
function tfLossGrad(
  eta: number[],
  time: number[],
  event: number[],
  options: Parameters<typeof coxPartialLikelihoodLoss>[3],
) {
  const x = tf.tensor1d(eta);
  const f = (scores: tf.Tensor) => coxPartialLikelihoodLoss(scores, time, event, options);
  const { value, grad } = tf.valueAndGrad(f)(x);
  const out = { loss: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
  tf.dispose([x, value, grad]);
  return out;
}

describe('Cox partial likelihood loss', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('matches PyTorch autograd (Breslow, Efron, weights) in float64', () => {
    for (const c of golden.cases) {
      for (const ties of ['breslow', 'efron'] as const) {
        for (const weighted of [false, true]) {
          const ref = c[`${ties}${weighted ? '_weighted' : ''}`];
          const weights = weighted ? c.weight : Array(c.time.length).fill(1);
          const value = coxLossValue(
            c.eta,
            Float64Array.from(c.time),
            Uint8Array.from(c.event),
            Float64Array.from(weights),
            ties,
            'sum',
          );
          expectClose([value.loss], [ref.loss], 1e-12);
          expectClose(value.gradient, ref.grad, 1e-10, 1e-14);
        }
      }
    }
  });

  it('matches PyTorch through tf gradients (float32) and takes the mean over event weight', () => {
    const c = golden.cases[1];
    for (const ties of ['breslow', 'efron'] as const) {
      const ref = c[`${ties}_weighted`];
      const eventWeight = c.event.reduce((s: number, e: number, i: number) => s + e * c.weight[i], 0);
      const { loss, grad } = tfLossGrad(c.eta, c.time, c.event, { ties, weights: c.weight });
      expectClose([loss], [ref.loss / eventWeight], 1e-6);
      expectClose(
        grad,
        ref.grad.map((g: number) => g / eventWeight),
        1e-4,
        1e-7,
      );
    }
  });

  it('equals the risk-set oracle and its finite differences on random tied data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }).chain((n) =>
          fc.record({
            time: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n }),
            event: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
            eta: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n, maxLength: n }),
            weights: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 3, noNaN: true })), {
              minLength: n,
              maxLength: n,
            }),
          }),
        ),
        fc.constantFrom('breslow' as const, 'efron' as const),
        (s, ties) => {
          const value = coxLossValue(
            s.eta,
            Float64Array.from(s.time),
            Uint8Array.from(s.event),
            Float64Array.from(s.weights),
            ties,
            'sum',
          );
          const oracle = coxNllOracle(s.eta, s.time, s.event, s.weights, ties);
          expect(value.loss).toBeCloseTo(oracle, 9);
          const h = 1e-6;
          for (let i = 0; i < s.eta.length; i++) {
            const up = s.eta.slice();
            const down = s.eta.slice();
            up[i] += h;
            down[i] -= h;
            const numeric =
              (coxNllOracle(up, s.time, s.event, s.weights, ties) -
                coxNllOracle(down, s.time, s.event, s.weights, ties)) /
              (2 * h);
            expect(Math.abs(value.gradient[i] - numeric)).toBeLessThan(1e-5 * (1 + Math.abs(numeric)));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stays finite for huge and widely spread scores', () => {
    const eta = [800, -800, 0, 750, -750, 10];
    for (const ties of ['breslow', 'efron'] as const) {
      const value = coxLossValue(
        eta,
        Float64Array.from([1, 2, 2, 3, 3, 4]),
        Uint8Array.from([1, 1, 1, 1, 0, 1]),
        new Float64Array(6).fill(1),
        ties,
        'mean',
      );
      expect(Number.isFinite(value.loss)).toBe(true);
      expect(value.gradient.every(Number.isFinite)).toBe(true);
    }
  });

  it('accepts time and event as tensors', () => {
    const c = golden.cases[0];
    const time = tf.tensor1d(c.time);
    const event = tf.tensor1d(c.event, 'int32');
    const x = tf.tensor1d(c.eta);
    const loss = coxPartialLikelihoodLoss(x, time, event, { reduction: 'sum' });
    expectClose(loss.dataSync(), [c.breslow.loss], 1e-6);
    tf.dispose([time, event, x, loss]);
  });

  it('returns 0 with a zero gradient and a warning for a batch without events', () => {
    const warnings: SurvivalWarning[] = [];
    const { loss, grad } = tfLossGrad([0.3, -1, 2], [1, 2, 3], [0, 0, 0], {
      onWarning: (w) => warnings.push(w),
    });
    expect(loss).toBe(0);
    expect(grad).toEqual([0, 0, 0]);
    expect(warnings.map((w) => w.code)).toEqual(['no-events']);
  });

  it('does not leak tensors (forward and backward, [n, 1] input)', async () => {
    await assertNoLeaks(() => {
      const x = tf.tensor2d([[0.1], [0.5], [-0.2], [1]]);
      const { value, grad } = tf.valueAndGrad((s: tf.Tensor) =>
        coxPartialLikelihoodLoss(s, [4, 3, 3, 1], [1, 1, 0, 1], { ties: 'efron' }),
      )(x);
      expect(grad.shape).toEqual([4, 1]);
      tf.dispose([x, value, grad]);
    }, 'coxPartialLikelihoodLoss');
  });

  it('gives the same loss and gradient on the wasm backend, inside a training step', async () => {
    const c = golden.cases[0];
    const onCpu = tfLossGrad(c.eta, c.time, c.event, { ties: 'efron' });
    await initBackend('wasm');
    try {
      const onWasm = tfLossGrad(c.eta, c.time, c.event, { ties: 'efron' });
      expectClose([onWasm.loss], [onCpu.loss], 1e-6);
      expectClose(onWasm.grad, onCpu.grad, 1e-5, 1e-7);
      // A linear Cox head trained by SGD: the loss decreases and nothing leaks.
      const x = tf.tensor2d(c.eta.map((v: number, i: number) => [v, Math.cos(i)]));
      const w = tf.variable(tf.zeros([2, 1]));
      const optimizer = tf.train.sgd(0.5);
      const losses: number[] = [];
      await assertNoLeaks(() => {
        for (let step = 0; step < 5; step++) {
          const loss = optimizer.minimize(
            () => coxPartialLikelihoodLoss(tf.matMul(x, w), c.time, c.event),
            true,
          );
          losses.push(loss!.dataSync()[0]);
          loss!.dispose();
        }
      }, 'training step');
      expect(losses[4]).toBeLessThan(losses[0]);
      tf.dispose([x, w]);
      optimizer.dispose();
    } finally {
      await initBackend('cpu');
    }
  });

  it('refuses bad input with typed errors naming the problem', () => {
    const x = tf.tensor1d([0.1, 0.2, 0.3]);
    expect(() => coxPartialLikelihoodLoss(x, [1, -2, 3], [1, 0, 1])).toThrow(
      /time: is negative \(-2\) at index 1/,
    );
    expect(() => coxPartialLikelihoodLoss(x, [1, Number.NaN, 3], [1, 0, 1])).toThrow(/time: is NaN/);
    expect(() => coxPartialLikelihoodLoss(x, [1, 2, 3], [1, 2, 1])).toThrow(/event: must be 0\/1/);
    expect(() => coxPartialLikelihoodLoss(x, [1, 2], [1, 0])).toThrow(
      /riskScores: has 3 values but time has length 2/,
    );
    const bad = tf.tensor1d([0.1, Number.NaN, 0.3]);
    expect(() => coxPartialLikelihoodLoss(bad, [1, 2, 3], [1, 0, 1])).toThrow(
      /riskScores: is not finite \(NaN\) at index 1/,
    );
    tf.dispose([x, bad]);
  });
});
