import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  type BatchNorm3dState,
  batchNorm3d,
  createBatchNorm3dState,
  initBackend,
  Op3dArgumentError,
  tf,
} from '../src/index.js';
import { BACKENDS, ErrorTable, useBackend } from './helpers/harness.js';
import { finiteDifference, refBatchNormTrain, relativeError } from './helpers/reference.js';

/** torch.nn.BatchNorm3d, one training step then one inference pass (fixtures/batchnorm3d_fixture.py). */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/batchnorm3d.json', import.meta.url), 'utf8')) as {
  shape: [number, number, number, number, number];
  momentum: number;
  epsilon: number;
  initial: { gamma: number[]; beta: number[]; runningMean: number[]; runningVar: number[] };
  x: number[];
  r: number[];
  train: {
    y: number[];
    dx: number[];
    dgamma: number[];
    dbeta: number[];
    runningMean: number[];
    runningVar: number[];
  };
  eval: { y: number[] };
};

const errors = new ErrorTable('batchNorm3d vs PyTorch BatchNorm3d and float64 finite differences');
afterAll(async () => {
  errors.print();
  await initBackend('cpu');
});

function freshState(): BatchNorm3dState {
  const { gamma, beta, runningMean, runningVar } = fixture.initial;
  const v = (values: number[], trainable: boolean) =>
    tf.tidy(() => tf.variable(tf.tensor1d(values), trainable)) as tf.Variable<tf.Rank.R1>;
  return {
    gamma: v(gamma, true),
    beta: v(beta, true),
    movingMean: v(runningMean, false),
    movingVariance: v(runningVar, false),
  };
}

describe('batchNorm3d matches PyTorch', () => {
  for (const backend of BACKENDS) {
    it(`training step (output, dx, dgamma, dbeta, running stats) and inference on ${backend}`, async (ctx) => {
      const reason = await useBackend(backend);
      if (reason !== undefined) ctx.skip(reason);
      const x = tf.tensor5d(fixture.x, fixture.shape);
      const r = tf.tensor5d(fixture.r, fixture.shape);
      const state = freshState();
      const forOutput = freshState();
      const options = { momentum: fixture.momentum, epsilon: fixture.epsilon };
      let got: Record<string, Float32Array> = {};
      await assertNoLeaks(async () => {
        // tf.grads runs the forward once, so the running statistics move exactly one step.
        const f = (xi: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
          tf.sum(
            tf.mul(
              batchNorm3d(
                xi as tf.Tensor5D,
                { ...state, gamma: gamma as tf.Tensor1D, beta: beta as tf.Tensor1D },
                {
                  training: true,
                  ...options,
                },
              ),
              r,
            ),
          );
        const y = batchNorm3d(x, forOutput, { training: true, ...options });
        const [dx, dgamma, dbeta] = tf.grads(f)([x, state.gamma, state.beta]);
        const yEval = batchNorm3d(x, state, { training: false, ...options });
        got = {
          y: (await y.data()) as Float32Array,
          dx: (await dx.data()) as Float32Array,
          dgamma: (await dgamma.data()) as Float32Array,
          dbeta: (await dbeta.data()) as Float32Array,
          runningMean: (await state.movingMean.data()) as Float32Array,
          runningVar: (await state.movingVariance.data()) as Float32Array,
          yEval: (await yEval.data()) as Float32Array,
        };
        return [y, dx, dgamma, dbeta, yEval];
      }, `${backend} batchNorm3d`);
      const e = {
        'train y': relativeError(got.y, fixture.train.y),
        'train dx': relativeError(got.dx, fixture.train.dx),
        dgamma: relativeError(got.dgamma, fixture.train.dgamma),
        dbeta: relativeError(got.dbeta, fixture.train.dbeta),
        'running mean': relativeError(got.runningMean, fixture.train.runningMean),
        'running var (unbiased)': relativeError(got.runningVar, fixture.train.runningVar),
        'eval y': relativeError(got.yEval, fixture.eval.y),
      };
      errors.record('batchNorm3d vs PyTorch', backend, e);
      for (const [what, error] of Object.entries(e)) expect(error, `${backend} ${what}`).toBeLessThan(1e-5);
      tf.dispose([x, r, ...Object.values(state), ...Object.values(forOutput)]);
    });
  }

  it('has dx equal to float64 finite differences of the batch-statistics formula', async () => {
    await initBackend('cpu');
    const shape = [2, 2, 2, 3, 2] as [number, number, number, number, number];
    const size = shape.reduce((a, b) => a * b);
    const xs = fixture.x.slice(0, size);
    const rs = fixture.r.slice(0, size);
    const gamma = new Float64Array([1.3, -0.4]);
    const beta = new Float64Array([0.1, 0.5]);
    const expected = finiteDifference(
      ([x]) => refBatchNormTrain(x, gamma, beta, 1e-5),
      [{ data: Float64Array.from(xs), shape }],
      Float64Array.from(rs),
      0,
      1e-5,
    );
    for (const backend of BACKENDS) {
      if ((await useBackend(backend)) !== undefined) continue;
      const state = createBatchNorm3dState(2);
      state.gamma = tf.tensor1d(Array.from(gamma));
      state.beta = tf.tensor1d(Array.from(beta));
      const x = tf.tensor5d(xs, shape);
      const r = tf.tensor5d(rs, shape);
      let dx: Float32Array | undefined;
      await assertNoLeaks(async () => {
        const g = tf.grad((xi: tf.Tensor) =>
          tf.sum(tf.mul(batchNorm3d(xi as tf.Tensor5D, state, { training: true }), r)),
        )(x);
        dx = (await g.data()) as Float32Array;
        return g;
      });
      const error = relativeError(dx!, expected);
      errors.record('batchNorm3d dx vs finite differences', backend, { dx: error });
      expect(error, backend).toBeLessThan(1e-4);
      tf.dispose([x, r, ...Object.values(state)]);
    }
  });
});

describe('batchNorm3d in inference mode', () => {
  /** Float64 closed form of d Σ(r·y)/d{x, gamma, beta} for y = (x − μ)/√(σ² + ε)·γ + β, fixed μ, σ². */
  function expectedEvalGradients() {
    const { gamma, runningMean, runningVar } = fixture.initial;
    const c = gamma.length;
    const dx = new Float64Array(fixture.x.length);
    const dgamma = new Float64Array(c);
    const dbeta = new Float64Array(c);
    fixture.x.forEach((x, i) => {
      const ch = i % c;
      const invStd = 1 / Math.sqrt(runningVar[ch] + fixture.epsilon);
      dx[i] = fixture.r[i] * gamma[ch] * invStd;
      dgamma[ch] += fixture.r[i] * (x - runningMean[ch]) * invStd;
      dbeta[ch] += fixture.r[i];
    });
    return { dx, dgamma, dbeta };
  }

  for (const backend of BACKENDS) {
    it(`has dx, dgamma and dbeta of the closed form, running statistics untouched, on ${backend}`, async (ctx) => {
      const reason = await useBackend(backend);
      if (reason !== undefined) ctx.skip(reason);
      const expected = expectedEvalGradients();
      const x = tf.tensor5d(fixture.x, fixture.shape);
      const r = tf.tensor5d(fixture.r, fixture.shape);
      const state = freshState();
      let got: Record<string, Float32Array> = {};
      await assertNoLeaks(async () => {
        const f = (xi: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
          tf.sum(
            tf.mul(
              batchNorm3d(
                xi as tf.Tensor5D,
                { ...state, gamma: gamma as tf.Tensor1D, beta: beta as tf.Tensor1D },
                { training: false, epsilon: fixture.epsilon },
              ),
              r,
            ),
          );
        const [dx, dgamma, dbeta] = tf.grads(f)([x, state.gamma, state.beta]);
        got = {
          dx: (await dx.data()) as Float32Array,
          dgamma: (await dgamma.data()) as Float32Array,
          dbeta: (await dbeta.data()) as Float32Array,
          runningMean: (await state.movingMean.data()) as Float32Array,
        };
        return [dx, dgamma, dbeta];
      }, `${backend} batchNorm3d eval gradients`);
      const e = {
        'eval dx': relativeError(got.dx, expected.dx),
        'eval dgamma': relativeError(got.dgamma, expected.dgamma),
        'eval dbeta': relativeError(got.dbeta, expected.dbeta),
      };
      errors.record('batchNorm3d eval gradients vs float64 closed form', backend, e);
      for (const [what, error] of Object.entries(e)) expect(error, `${backend} ${what}`).toBeLessThan(1e-5);
      expect(relativeError(got.runningMean, fixture.initial.runningMean)).toBeLessThan(1e-7);
      tf.dispose([x, r, ...Object.values(state)]);
    });
  }
});

describe('batchNorm3d state and errors', () => {
  it('createBatchNorm3dState starts like PyTorch and keeps running statistics out of training', async () => {
    await initBackend('cpu');
    const s = createBatchNorm3dState(4, 'bn1');
    expect(Array.from(await s.gamma.data())).toEqual([1, 1, 1, 1]);
    expect(Array.from(await s.movingVariance.data())).toEqual([1, 1, 1, 1]);
    expect((s.gamma as tf.Variable).trainable).toBe(true);
    expect(s.movingMean.trainable).toBe(false);
    expect(s.movingMean.name).toBe('bn1.running_mean');
    tf.dispose(Object.values(s));
  });

  it('rejects bad shapes and single-value training batches with a typed error', async () => {
    await initBackend('cpu');
    const s = createBatchNorm3dState(3);
    await assertNoLeaks(() => {
      const x = tf.zeros([1, 1, 1, 1, 3]) as tf.Tensor5D;
      const wrongC = tf.zeros([1, 2, 2, 2, 2]) as tf.Tensor5D;
      expect(() => batchNorm3d(x, s, { training: true })).toThrow(Op3dArgumentError);
      expect(() => batchNorm3d(x, s, { training: true })).toThrow(/more than one value per channel/);
      expect(() => batchNorm3d(wrongC, s, { training: false })).toThrow(/state.gamma must have shape \[2\]/);
      return [x, wrongC];
    });
    tf.dispose(Object.values(s));
  });
});
