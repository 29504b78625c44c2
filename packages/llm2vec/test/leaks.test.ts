import { assertNoLeaks, initBackend, tf } from 'renal-core';
import { beforeAll, describe, it } from 'vitest';
import {
  Llm2Vec,
  loadLlamaModel,
  loadLoraAdapter,
  mntpLoss,
  pool,
  poolingWeights,
  trainMntp,
} from '../src/index.js';
import { REPORTS } from './corpus.js';
import { fixture, reference, referenceBatch } from './helpers.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('no tensor leaks', () => {
  it('load, forward, pool, MNTP loss and gradients, LoRA merge, dispose', async () => {
    await assertNoLeaks(async () => {
      const m = await loadLlamaModel(fixture('tiny-llama'), { onWarning: () => {} });
      await loadLoraAdapter(fixture('tiny-llama/adapter'), m);
      const batch = referenceBatch();
      tf.dispose(
        tf.tidy(() =>
          pool(
            m.forward(batch, { training: true, attentionDropout: 0.3 }),
            poolingWeights(batch, 'weighted_mean'),
          ),
        ),
      );
      const masked = {
        batch: referenceBatch(reference.mntp.corruptedIds),
        positions: Int32Array.from(reference.mntp.positions),
        labels: Int32Array.from(reference.mntp.labels),
      };
      const { value, grads } = tf.variableGrads(
        () => mntpLoss(m, masked, { training: true }),
        m.lora!.variables(),
      );
      tf.dispose([value, ...Object.values(grads)]);
      m.mergeLora();
      m.dispose();
    }, 'model life cycle');
  });

  it('training every weight of a fresh encoder, then disposing it', async () => {
    await assertNoLeaks(async () => {
      const small = {
        hiddenSize: 32,
        intermediateSize: 64,
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        headDim: 8,
        numHiddenLayers: 1,
      };
      const encoder = await Llm2Vec.create('tiny', { corpus: REPORTS, seed: 2, config: small });
      await trainMntp(encoder, REPORTS, { maxSteps: 2, batchSize: 4 });
      encoder.dispose();
    }, 'trainMntp all weights');
  });
});
