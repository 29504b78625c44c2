import { assertNoLeaks, initBackend, Rng, tf } from 'renal-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClipLossInputError,
  checkEmbeddings,
  clampLogitScaleInPlace,
  clipLoss,
  clipTargets,
  createLogitScale,
  GroupError,
  INIT_LOG_LOGIT_SCALE,
  logitScaleFromLog,
  MAX_LOG_LOGIT_SCALE,
  NonFiniteEmbeddingError,
  OptionError,
  ShapeError,
  siglipLoss,
  ZeroEmbeddingError,
} from '../src/index.js';

const LOG_100 = Math.log(100);

/** Embeddings that stress fp32 at scale 100: exact duplicates, antipodal pairs, near-identical rows. */
function hardEmbeddings(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = rng.normalArray(n * d);
  for (let i = 0; i < d; i++) {
    v[1 * d + i] = v[0 * d + i]; // duplicate
    v[2 * d + i] = -v[0 * d + i]; // antipodal
    v[3 * d + i] = v[4 * d + i] * 1000; // same direction, very different norm
  }
  return v;
}

async function lossAndGrads(
  loss: (x: tf.Tensor2D, y: tf.Tensor2D, s: tf.Scalar) => tf.Scalar,
  n: number,
  d: number,
) {
  const out: number[][] = [];
  await assertNoLeaks(() => {
    const inputs = [
      tf.tensor2d(hardEmbeddings(n, d, 1), [n, d]),
      tf.tensor2d(hardEmbeddings(n, d, 1), [n, d]), // texts identical to images: logits exactly at ±100
      tf.scalar(LOG_100),
    ];
    const { value, grads } = tf.valueAndGrads((...a: tf.Tensor[]) =>
      loss(a[0] as tf.Tensor2D, a[1] as tf.Tensor2D, a[2] as tf.Scalar),
    )(inputs);
    out.push(Array.from(value.dataSync()), ...grads.map((g) => Array.from(g.dataSync())));
    return [inputs, value, grads];
  }, 'scale-100 loss');
  return out;
}

describe.each(['cpu', 'wasm'])('stability on %s', (backend) => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('scale 100 with duplicate, antipodal and rescaled rows: finite, and chunked == one chunk', async () => {
    await initBackend(backend as 'cpu');
    const groups = { imageGroups: [0, 0, ...Array.from({ length: 38 }, (_, i) => i + 1)] };
    const whole = await lossAndGrads((x, y, s) => clipLoss(x, y, s, groups), 40, 24);
    const chunked = await lossAndGrads((x, y, s) => clipLoss(x, y, s, { ...groups, chunkSize: 7 }), 40, 24);
    const sig = await lossAndGrads(
      (x, y, s) => siglipLoss(x, y, s, tf.scalar(-10), { chunkSize: 9 }),
      40,
      24,
    );
    for (const values of [...whole, ...chunked, ...sig]) expect(values.every(Number.isFinite)).toBe(true);
    whole.forEach((values, k) => {
      values.forEach((v, i) => {
        expect(Math.abs(v - chunked[k][i])).toBeLessThan(2e-5 * Math.max(1, Math.abs(v)));
      });
    });
  });

  it('a zero embedding row is a typed error naming the tensor and row; NaN too', async () => {
    await initBackend(backend as 'cpu');
    await assertNoLeaks(() => {
      const x = tf.tensor2d([1, 0, 0, 0, 0, 1], [3, 2]);
      const y = tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]);
      const bad = tf.tensor2d([1, 0, Number.NaN, 1, 1, 1], [3, 2]);
      const s = tf.scalar(INIT_LOG_LOGIT_SCALE);
      expect(() => clipLoss(x, y, s)).toThrow(ZeroEmbeddingError);
      expect(() => clipLoss(x, y, s)).toThrow(/imageEmbeddings: row 1 has zero L2 norm/);
      expect(() => clipLoss(y, x, s)).toThrow(/textEmbeddings: row 1/);
      expect(() => clipLoss(bad, y, s)).toThrow(NonFiniteEmbeddingError);
      expect(() => siglipLoss(x, y, s, s)).toThrow(ZeroEmbeddingError);
      return [x, y, bad, s];
    }, 'errors');
    const x = tf.tensor2d([1, 0, 0, 0], [2, 2]);
    await expect(checkEmbeddings(x, 'projected')).rejects.toThrow(/projected: row 1/);
    x.dispose();
  });
});

describe('input checks', () => {
  it('rejects bad shapes, groups and options with typed errors', async () => {
    await initBackend('cpu');
    await assertNoLeaks(() => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
      const y = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      const z = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      const s = tf.scalar(1);
      expect(() => clipLoss(x, y, s)).toThrow(GroupError);
      expect(() => clipLoss(x, z, s)).toThrow(ShapeError);
      const notScalar = tf.ones([1]) as unknown as tf.Scalar;
      expect(() => clipLoss(x, x, notScalar)).toThrow(ShapeError);
      expect(() => clipLoss(x, y, s, { imageGroups: [0, 1, 5], textGroups: [0, 1] })).toThrow(
        /image row 2 \(group 5\) has no text/,
      );
      expect(() => clipLoss(x, y, s, { imageGroups: [0, 1], textGroups: [0, 1] })).toThrow(
        /expected 3 group ids/,
      );
      expect(() => clipLoss(x, x, s, { imageGroups: [0, 1.5, 2] })).toThrow(GroupError);
      expect(() => clipLoss(x, x, s, { labelSmoothing: 1 })).toThrow(OptionError);
      expect(() => clipLoss(x, x, s, { chunkSize: 0 })).toThrow(OptionError);
      expect(() => clipTargets(2, 3)).toThrow(ClipLossInputError);
      return [x, y, z, s, notScalar];
    }, 'input checks');
  });

  it('the logit scale is stored as a log, initialised at ln(1/0.07) and clamped to [0, ln 100]', async () => {
    await initBackend('cpu');
    await assertNoLeaks(() => {
      const v = createLogitScale();
      expect(v.dataSync()[0]).toBeCloseTo(Math.log(1 / 0.07), 6);
      const scaled = [5, -1, 1].map((l) => tf.tidy(() => logitScaleFromLog(tf.scalar(l)).dataSync()[0]));
      expect(scaled[0]).toBeCloseTo(100, 4);
      expect(scaled[1]).toBeCloseTo(1, 6);
      expect(scaled[2]).toBeCloseTo(Math.E, 5);
      tf.tidy(() => v.assign(tf.scalar(7)));
      clampLogitScaleInPlace(v);
      expect(v.dataSync()[0]).toBeCloseTo(MAX_LOG_LOGIT_SCALE, 6);
      v.dispose();
    }, 'logit scale');
  });
});
