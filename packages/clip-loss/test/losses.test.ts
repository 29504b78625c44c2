import { assertNoLeaks, initBackend, tf } from 'renal-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clipLabels,
  clipLogits,
  clipLoss,
  clipLossFromLogits,
  clipTargets,
  siglipLabels,
  siglipLogits,
  siglipLoss,
  siglipLossFromLogits,
} from '../src/index.js';
import { availableBackends, expectClose, fixture } from './helpers.js';

interface ClipCase {
  name: string;
  image: number[][];
  text: number[][];
  logScale: number;
  imageGroups: number[] | null;
  textGroups: number[] | null;
  labelSmoothing: number;
  logits: number[][];
  loss: number;
  gradImage: number[][];
  gradText: number[][];
  gradLogScale: number;
}
interface SiglipCase extends Omit<ClipCase, 'labelSmoothing'> {
  bias: number;
  gradBias: number;
}
const golden = fixture<{ clip: ClipCase[]; siglip: SiglipCase[] }>('losses.json');
const TOL = 1e-5;
/**
 * At logit scale 100 the fp32 logits themselves carry ~100·2⁻²⁴·√dim ≈ 2e-5 of rounding, so a loss that
 * cancels to ~0 cannot be closer than that to the float64 reference (PyTorch in fp32 is no closer).
 */
const tolFor = (c: { logScale: number }) => (c.logScale > 4.5 ? 5e-5 : TOL);
const backends = await availableBackends();

type ScalarLoss = (x: tf.Tensor2D, y: tf.Tensor2D, s: tf.Scalar, b: tf.Scalar) => tf.Scalar;

/** Value and gradients of a loss w.r.t. (images, texts, logScale, bias), read back as arrays. */
async function valueAndGrads(c: ClipCase | SiglipCase, loss: ScalarLoss) {
  let out: { value: number; grads: Float32Array[] } | undefined;
  await assertNoLeaks(async () => {
    const inputs = [tf.tensor2d(c.image), tf.tensor2d(c.text), tf.scalar(c.logScale)];
    if ('bias' in c) inputs.push(tf.scalar(c.bias));
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) =>
      loss(args[0] as tf.Tensor2D, args[1] as tf.Tensor2D, args[2] as tf.Scalar, args[3] as tf.Scalar),
    )(inputs);
    out = {
      value: (await value.data())[0],
      grads: await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>)),
    };
    return [inputs, value, grads];
  }, c.name);
  return out!;
}

function groupsOf(c: ClipCase | SiglipCase) {
  return { imageGroups: c.imageGroups ?? undefined, textGroups: c.textGroups ?? undefined };
}

describe.each(backends)('losses vs PyTorch on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend as 'cpu');
  });
  afterAll(async () => {
    await initBackend('cpu');
  });

  for (const c of golden.clip) {
    const options = { ...groupsOf(c), labelSmoothing: c.labelSmoothing };
    const plain: ScalarLoss = (x, y, s) =>
      tf.tidy(() => clipLossFromLogits(clipLogits(x, y, s), clipTargets(x.shape[0], y.shape[0], options)));
    const variants: Array<[string, ScalarLoss]> = [
      ['clipLoss', (x, y, s) => clipLoss(x, y, s, options)],
      ['clipLoss chunkSize 1', (x, y, s) => clipLoss(x, y, s, { ...options, chunkSize: 1 })],
      ['clipLoss chunkSize 4', (x, y, s) => clipLoss(x, y, s, { ...options, chunkSize: 4 })],
      ['clipLossFromLogits', plain],
    ];
    for (const [variant, loss] of variants) {
      it(`CLIP ${c.name}: ${variant} value and gradients`, async () => {
        const { value, grads } = await valueAndGrads(c, loss);
        const tol = tolFor(c);
        expectClose([value], c.loss, tol, 'loss');
        expectClose(grads[0], c.gradImage, tol, 'd/dimage');
        expectClose(grads[1], c.gradText, tol, 'd/dtext');
        expectClose(grads[2], c.gradLogScale, tol, 'd/dlogScale');
      });
    }
    it(`CLIP ${c.name}: logits`, async () => {
      await assertNoLeaks(async () => {
        const inputs = [tf.tensor2d(c.image), tf.tensor2d(c.text), tf.scalar(c.logScale)] as const;
        const logits = clipLogits(...inputs);
        expectClose(await logits.perImage.data(), c.logits, TOL, 'perImage');
        const transposed = tf.transpose(logits.perText);
        expectClose(await transposed.data(), c.logits, TOL, 'perText');
        return [inputs, logits, transposed];
      }, 'clipLogits');
    });
  }

  it('int labels give the same loss as diagonal soft targets', async () => {
    const c = golden.clip[0];
    await assertNoLeaks(async () => {
      const inputs = [tf.tensor2d(c.image), tf.tensor2d(c.text), tf.scalar(c.logScale)] as const;
      const logits = clipLogits(...inputs);
      const labels = clipLabels(c.image.length);
      expect(Array.from(await labels.data())).toEqual([0, 1, 2, 3, 4, 5]);
      const loss = clipLossFromLogits(logits, labels);
      expectClose(await loss.data(), c.loss, TOL, 'loss from labels');
      return [inputs, logits, labels, loss];
    }, 'clipLabels');
  });

  for (const c of golden.siglip) {
    const plain: ScalarLoss = (x, y, s, b) =>
      tf.tidy(() =>
        siglipLossFromLogits(siglipLogits(x, y, s, b), siglipLabels(x.shape[0], y.shape[0], groupsOf(c))),
      );
    const variants: Array<[string, ScalarLoss]> = [
      ['siglipLoss', (x, y, s, b) => siglipLoss(x, y, s, b, groupsOf(c))],
      ['siglipLoss chunkSize 4', (x, y, s, b) => siglipLoss(x, y, s, b, { ...groupsOf(c), chunkSize: 4 })],
      ['siglipLossFromLogits', plain],
    ];
    for (const [variant, loss] of variants) {
      it(`SigLIP ${c.name}: ${variant} value and gradients`, async () => {
        const { value, grads } = await valueAndGrads(c, loss);
        expectClose([value], c.loss, TOL, 'loss');
        expectClose(grads[0], c.gradImage, TOL, 'd/dimage');
        expectClose(grads[1], c.gradText, TOL, 'd/dtext');
        expectClose(grads[2], c.gradLogScale, TOL, 'd/dlogScale');
        expectClose(grads[3], c.gradBias, TOL, 'd/dbias');
      });
    }
  }
});
