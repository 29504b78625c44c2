import { assertNoLeaks, initBackend, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkEmbeddings,
  clipLabels,
  clipTargets,
  createSiglipParameters,
  groupsFromKeys,
  l2Normalize,
  SIGLIP_INIT_BIAS,
  SIGLIP_INIT_LOG_SCALE,
  siglipLabels,
  softTargets,
} from '../src/index.js';

describe.each(['cpu', 'wasm'])('small public tensor ops on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend as 'cpu');
  });

  it('l2Normalize and checkEmbeddings', async () => {
    await assertNoLeaks(async () => {
      const x = tf.tensor2d([
        [3, 4],
        [0, -2],
      ]);
      const unit = l2Normalize(x, 'x');
      expect(Array.from(await unit.data())).toEqual([0.6, 0.8, 0, -1].map((v) => Math.fround(v)));
      await checkEmbeddings(x, 'x');
      return [x, unit];
    }, 'normalise');
  });

  it('targets and labels: several positives share the mass, smoothing mixes in the uniform', async () => {
    await assertNoLeaks(async () => {
      const targets = clipTargets(3, 2, { imageGroups: [0, 0, 1], textGroups: [0, 1], labelSmoothing: 0.2 });
      expect(Array.from(await targets.imageToText.data())).toEqual(
        [0.9, 0.1, 0.9, 0.1, 0.1, 0.9].map(Math.fround),
      );
      // text 0 has two images: (1 − 0.2)/2 + 0.2/3 each
      const t = 0.4 + 0.2 / 3;
      expect(Array.from(await targets.textToImage.data())).toEqual(
        [t, t, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.8 + 0.2 / 3].map(Math.fround),
      );
      const labels = clipLabels(3);
      const signs = siglipLabels(3, 2, { imageGroups: [0, 0, 1], textGroups: [0, 1] });
      expect(Array.from(await signs.data())).toEqual([1, -1, 1, -1, -1, 1]);
      return [targets, labels, signs];
    }, 'targets');
    expect(Array.from(groupsFromKeys(['Findings: A', 'Findings: B', 'Findings: A', 3, 3]))).toEqual([
      0, 1, 0, 2, 2,
    ]);
    expect(Array.from(softTargets(Int32Array.from([5, 6]), Int32Array.from([6, 5])))).toEqual([0, 1, 1, 0]);
  });

  it('createSiglipParameters makes two trainable scalars and nothing else', async () => {
    await assertNoLeaks(async () => {
      const { logScale, bias } = createSiglipParameters();
      expect((await logScale.data())[0]).toBeCloseTo(SIGLIP_INIT_LOG_SCALE, 6);
      expect((await bias.data())[0]).toBe(SIGLIP_INIT_BIAS);
      expect(logScale.trainable && bias.trainable).toBe(true);
      logScale.dispose();
      bias.dispose();
    }, 'siglip parameters');
  });
});
