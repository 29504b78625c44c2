import { afterAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  avgPool3d,
  globalAvgPool3d,
  initBackend,
  maxPool3d,
  Op3dArgumentError,
  type Pool3dOptions,
  Rng,
  tf,
} from '../src/index.js';
import { BACKENDS, ErrorTable, randomValues, useBackend } from './helpers/harness.js';
import {
  type Arr,
  finiteDifference,
  type Pads,
  refAvgPool3d,
  refMaxPool3d,
  relativeError,
  resolvePads,
  type Shape5,
  type Triple,
} from './helpers/reference.js';

interface Case {
  name: string;
  kind: 'max' | 'avg';
  x: Shape5;
  size: Triple;
  strides: Triple;
  padding: 'same' | 'valid' | Pads;
  /** Half the inputs exactly zero, so windows tie (as after a ReLU). */
  zeros?: boolean;
  /** Every input negative (wasm's MaxPool3D returned FLT_MIN for such windows). */
  negative?: boolean;
}

const CASES: Case[] = [
  {
    name: 'max 3 s2 pad 1 (ResNet)',
    kind: 'max',
    x: [2, 5, 6, 7, 3],
    size: [3, 3, 3],
    strides: [2, 2, 2],
    padding: [
      [1, 1],
      [1, 1],
      [1, 1],
    ],
  },
  {
    name: 'max 3 s2 pad 1, every value negative',
    kind: 'max',
    x: [2, 5, 6, 7, 3],
    size: [3, 3, 3],
    strides: [2, 2, 2],
    padding: [
      [1, 1],
      [1, 1],
      [1, 1],
    ],
    negative: true,
  },
  {
    name: 'max 2 s2 valid',
    kind: 'max',
    x: [1, 6, 5, 6, 2],
    size: [2, 2, 2],
    strides: [2, 2, 2],
    padding: 'valid',
  },
  {
    name: 'max 3 s1 same',
    kind: 'max',
    x: [1, 4, 5, 3, 2],
    size: [3, 3, 3],
    strides: [1, 1, 1],
    padding: 'same',
  },
  {
    name: 'max [3,2,1] s[1,2,1] asymmetric',
    kind: 'max',
    x: [3, 4, 5, 4, 1],
    size: [3, 2, 1],
    strides: [1, 2, 1],
    padding: [
      [0, 2],
      [1, 0],
      [0, 0],
    ],
  },
  {
    name: 'max [1,2,3] s2 same',
    kind: 'max',
    x: [1, 3, 5, 7, 2],
    size: [1, 2, 3],
    strides: [2, 2, 2],
    padding: 'same',
  },
  {
    name: 'max 2 s[1,2,1] valid',
    kind: 'max',
    x: [1, 4, 5, 4, 2],
    size: [2, 2, 2],
    strides: [1, 2, 1],
    padding: 'valid',
  },
  {
    name: 'max ties (zeros) go to one input',
    kind: 'max',
    x: [1, 4, 4, 4, 1],
    size: [2, 2, 2],
    strides: [1, 1, 1],
    padding: 'valid',
    zeros: true,
  },
  {
    name: 'avg 3 s2 same (padding not counted)',
    kind: 'avg',
    x: [2, 5, 6, 7, 3],
    size: [3, 3, 3],
    strides: [2, 2, 2],
    padding: 'same',
  },
  {
    name: 'avg 2 s2 valid',
    kind: 'avg',
    x: [1, 6, 5, 6, 2],
    size: [2, 2, 2],
    strides: [2, 2, 2],
    padding: 'valid',
  },
  {
    name: 'avg 3 s2 pad 1 (padding counted)',
    kind: 'avg',
    x: [1, 5, 5, 4, 4],
    size: [3, 3, 3],
    strides: [2, 2, 2],
    padding: [
      [1, 1],
      [1, 1],
      [1, 1],
    ],
  },
  {
    name: 'avg [3,1,2] s[1,2,1] same',
    kind: 'avg',
    x: [2, 4, 5, 5, 2],
    size: [3, 1, 2],
    strides: [1, 2, 1],
    padding: 'same',
  },
];

const errors = new ErrorTable('pooling vs float64 loops and central finite differences');
afterAll(async () => {
  errors.print();
  await initBackend('cpu');
});

function reference(c: Case) {
  const pads = resolvePads(c.x.slice(1, 4) as Triple, c.size, c.strides, c.padding);
  return (inputs: Arr[]) =>
    c.kind === 'max'
      ? refMaxPool3d(inputs[0], c.size, c.strides, pads)
      : refAvgPool3d(inputs[0], c.size, c.strides, pads, c.padding !== 'same');
}

async function oursWithGrad(
  op: (x: tf.Tensor5D) => tf.Tensor,
  x: Float64Array,
  shape: Shape5,
  r: Float64Array,
  label: string,
) {
  const xt = tf.tensor5d(Float32Array.from(x), shape);
  let out: { y: Float32Array; dx: Float32Array } | undefined;
  await assertNoLeaks(async () => {
    const y = op(xt);
    const rt = tf.tensor(Float32Array.from(r), y.shape);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor5D), rt)))(xt);
    out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
    return [y, rt, dx];
  }, label);
  xt.dispose();
  return out!;
}

describe('maxPool3d / avgPool3d (forward and dx) on every backend', () => {
  for (const [index, c] of CASES.entries()) {
    const rng = new Rng(300 + index);
    const values = randomValues(
      rng,
      c.x.reduce((a, b) => a * b),
    );
    const x: Arr = { data: c.negative ? values.map((v) => -Math.abs(v) - 0.5) : values, shape: c.x };
    const f = reference(c);
    const y = f([x]);
    const r = randomValues(rng, y.data.length);
    // Max pooling is piecewise linear: a step far below the gaps between random values keeps it exact.
    const dx = finiteDifference(f, [x], r, 0, c.kind === 'max' ? 1e-7 : 1e-3);
    const options: Pool3dOptions = { size: c.size, strides: c.strides, padding: c.padding };
    const op = (t: tf.Tensor5D) => (c.kind === 'max' ? maxPool3d(t, options) : avgPool3d(t, options));
    for (const backend of BACKENDS) {
      it(`${c.name} on ${backend}`, async (ctx) => {
        const reason = await useBackend(backend);
        if (reason !== undefined) ctx.skip(reason);
        const ours = await oursWithGrad(op, x.data, c.x, r, `${backend} ${c.name}`);
        // At a tie the central difference splits the gradient; PyTorch (and we) send it to one input.
        // Summing each window's gradient (≡ comparing Σ dx) is then the check that still holds.
        const sum = (a: ArrayLike<number>) => Array.from(a).reduce((acc, v) => acc + v, 0);
        const e = c.zeros
          ? {
              forward: relativeError(ours.y, y.data),
              dx: Math.abs(sum(ours.dx) - sum(dx)) / Math.abs(sum(dx)),
            }
          : { forward: relativeError(ours.y, y.data), dx: relativeError(ours.dx, dx) };
        if (c.zeros) {
          const nonZero = Array.from(ours.dx).filter((v, i) => v !== 0 && x.data[i] === 0).length;
          const windows = y.data.filter((v) => v === 0).length;
          expect(nonZero, 'tied zeros receive gradient once per all-zero window at most').toBeLessThanOrEqual(
            windows,
          );
        }
        errors.record(`${c.kind}Pool3d`, backend, e);
        expect(e.forward, `${backend} ${c.name} forward`).toBeLessThan(1e-6);
        expect(e.dx, `${backend} ${c.name} dx`).toBeLessThan(1e-5);
      });
    }
  }

  // Cubic windows, 'valid': where TensorFlow.js's own 3-D pooling gradients are right (see pool3d.ts).
  it('agrees with the cpu backend’s own tf.maxPool3d / tf.avgPool3d gradients', async () => {
    const rng = new Rng(399);
    const shape: Shape5 = [2, 5, 6, 7, 3];
    const x = randomValues(
      rng,
      shape.reduce((a, b) => a * b),
    );
    const r = randomValues(rng, 2 * 2 * 2 * 3 * 3);
    await initBackend('cpu');
    const refMax = await oursWithGrad((t) => tf.maxPool3d(t, 3, 2, 'valid'), x, shape, r, 'tf max');
    const refAvg = await oursWithGrad((t) => tf.avgPool3d(t, 3, 2, 'valid'), x, shape, r, 'tf avg');
    for (const backend of BACKENDS) {
      if ((await useBackend(backend)) !== undefined) continue;
      const max = await oursWithGrad(
        (t) => maxPool3d(t, { size: 3, strides: 2, padding: 'valid' }),
        x,
        shape,
        r,
        'max',
      );
      const avg = await oursWithGrad(
        (t) => avgPool3d(t, { size: 3, strides: 2, padding: 'valid' }),
        x,
        shape,
        r,
        'avg',
      );
      const e = {
        'max dx vs tf cpu': relativeError(max.dx, refMax.dx),
        'avg dx vs tf cpu': relativeError(avg.dx, refAvg.dx),
      };
      errors.record('pool', backend, e);
      for (const [what, error] of Object.entries(e)) expect(error, `${backend} ${what}`).toBeLessThan(1e-6);
    }
  });
});

describe('globalAvgPool3d', () => {
  for (const backend of BACKENDS) {
    it(`is the mean over D, H, W with gradient 1/(D·H·W) on ${backend}`, async (ctx) => {
      const reason = await useBackend(backend);
      if (reason !== undefined) ctx.skip(reason);
      const shape: Shape5 = [2, 3, 4, 5, 3];
      const rng = new Rng(7);
      const x = randomValues(
        rng,
        shape.reduce((a, b) => a * b),
      );
      const r = randomValues(rng, 6);
      const expected = new Float64Array(6);
      for (let i = 0; i < x.length; i++) expected[Math.floor(i / 180) * 3 + (i % 3)] += x[i] / 60;
      const expectedDx = x.map((_, i) => r[Math.floor(i / 180) * 3 + (i % 3)] / 60);
      const ours = await oursWithGrad(globalAvgPool3d, x, shape, r, `${backend} globalAvgPool3d`);
      const e = { forward: relativeError(ours.y, expected), dx: relativeError(ours.dx, expectedDx) };
      errors.record('globalAvgPool3d', backend, e);
      expect(e.forward).toBeLessThan(1e-6);
      expect(e.dx).toBeLessThan(1e-6);
    });
  }
});

describe('pooling argument errors', () => {
  it('rejects wrong ranks and windows', async () => {
    await initBackend('cpu');
    await assertNoLeaks(() => {
      const x = tf.zeros([1, 2, 4, 4, 1]) as tf.Tensor5D;
      expect(() => maxPool3d(x, { size: 3 })).toThrow(Op3dArgumentError);
      expect(() => avgPool3d(x, { size: 2, padding: [[1, 1]] as unknown as Pads })).toThrow(
        /padding must be/,
      );
      const flat = tf.zeros([2, 3]);
      expect(() => globalAvgPool3d(flat as unknown as tf.Tensor5D)).toThrow(/\[N, D, H, W, C\]/);
      return [x, flat];
    });
  });
});
