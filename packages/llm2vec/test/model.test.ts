import { initBackend, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  contrastiveLoss,
  l2Normalize,
  type LlamaModel,
  loadLlamaModel,
  loadLoraAdapter,
  mntpLoss,
  pool,
  poolingWeights,
} from '../src/index.js';
import { fixture, realTokens, reference, referenceBatch, relativeError } from './helpers.js';

let model: LlamaModel;
const D = 32;

beforeAll(async () => {
  await initBackend('cpu');
  model = await loadLlamaModel(fixture('tiny-llama'), { onWarning: () => {} });
});

describe('LlamaModel against the PyTorch reference', () => {
  it('bidirectional hidden states match within 1e-4 relative', () => {
    const h = model.forward(referenceBatch(), { bidirectional: true });
    expect(relativeError(h.dataSync(), reference.hiddenBidirectional, realTokens(D))).toBeLessThan(1e-4);
    h.dispose();
  });

  it("equal Hugging Face's own position numbering (0…T−1 with pads) within 1e-4: RoPE is relative", () => {
    const h = model.forward(referenceBatch(), { bidirectional: true });
    expect(relativeError(h.dataSync(), reference.hiddenBidirectionalHfPositions, realTokens(D))).toBeLessThan(
      1e-4,
    );
    h.dispose();
  });

  it('causal hidden states match within 1e-4 relative', () => {
    const h = model.forward(referenceBatch(), { bidirectional: false });
    expect(relativeError(h.dataSync(), reference.hiddenCausal, realTokens(D))).toBeLessThan(1e-4);
    h.dispose();
  });

  it.each(['mean', 'weighted_mean', 'last', 'first'] as const)('%s pooling matches', (mode) => {
    const batch = referenceBatch();
    const h = model.forward(batch);
    const pooled = pool(h, poolingWeights(batch, mode, Uint8Array.from(reference.poolMask)));
    expect(relativeError(pooled.dataSync(), reference.pooled[mode])).toBeLessThan(1e-4);
    tf.dispose([h, pooled]);
  });

  it('MNTP loss matches', () => {
    const masked = {
      batch: referenceBatch(reference.mntp.corruptedIds),
      positions: Int32Array.from(reference.mntp.positions),
      labels: Int32Array.from(reference.mntp.labels),
    };
    const loss = mntpLoss(model, masked);
    expect(Math.abs(loss.dataSync()[0] - reference.mntp.lossBase) / reference.mntp.lossBase).toBeLessThan(
      1e-4,
    );
    loss.dispose();
  });

  it('the contrastive (SimCSE) loss matches', () => {
    const batch = referenceBatch();
    const w = poolingWeights(batch, 'mean', Uint8Array.from(reference.poolMask));
    const loss = tf.tidy(() => {
      const bi = l2Normalize(pool(model.forward(batch, { bidirectional: true }), w));
      const causal = l2Normalize(pool(model.forward(batch, { bidirectional: false }), w));
      return contrastiveLoss(bi, causal, 20);
    });
    expect(
      Math.abs(loss.dataSync()[0] - reference.simcseBiVsCausal) / reference.simcseBiVsCausal,
    ).toBeLessThan(1e-4);
    loss.dispose();
  });
});

describe('LoRA', () => {
  it('a PEFT adapter gives the reference output, merged or not, and the reference gradients', async () => {
    const m = await loadLlamaModel(fixture('tiny-llama'), { onWarning: () => {} });
    await loadLoraAdapter(fixture('tiny-llama/adapter'), m);
    const unmerged = m.forward(referenceBatch());
    expect(relativeError(unmerged.dataSync(), reference.hiddenLora, realTokens(D))).toBeLessThan(1e-4);

    const masked = {
      batch: referenceBatch(reference.mntp.corruptedIds),
      positions: Int32Array.from(reference.mntp.positions),
      labels: Int32Array.from(reference.mntp.labels),
    };
    const pairs = { '0.q_proj': m.lora!.get(0, 'q_proj')!, '1.down_proj': m.lora!.get(1, 'down_proj')! };
    const { value, grads } = tf.variableGrads(
      () => mntpLoss(m, masked),
      [pairs['0.q_proj'].a, pairs['1.down_proj'].b],
    );
    expect(Math.abs(value.dataSync()[0] - reference.mntp.lossLora) / reference.mntp.lossLora).toBeLessThan(
      1e-4,
    );
    expect(
      relativeError(grads[pairs['0.q_proj'].a.name].dataSync(), reference.mntp.loraGrads['0.q_proj'].A),
    ).toBeLessThan(1e-4);
    expect(
      relativeError(grads[pairs['1.down_proj'].b.name].dataSync(), reference.mntp.loraGrads['1.down_proj'].B),
    ).toBeLessThan(1e-4);
    tf.dispose([value, ...Object.values(grads)]);

    m.mergeLora();
    expect(m.lora).toBeNull();
    const merged = m.forward(referenceBatch());
    expect(relativeError(merged.dataSync(), unmerged.dataSync(), realTokens(D))).toBeLessThan(1e-5);
    tf.dispose([unmerged, merged]);
    m.dispose();
  });
});
