import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  assertFits,
  estimateMemory,
  Llm2Vec,
  ModelTooLargeError,
  parameterCount,
  parseLlamaConfig,
  presetConfig,
  ropeInverseFrequencies,
  toHfConfig,
} from '../src/index.js';
import { fixture } from './helpers.js';

const hf = JSON.parse(readFileSync(fixture('tiny-llama/config.json'), 'utf8'));

describe('parseLlamaConfig', () => {
  it('reads a Hugging Face config with GQA and llama3 rope scaling', () => {
    const c = parseLlamaConfig(hf);
    expect(c).toMatchObject({
      hiddenSize: 32,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 8,
      vocabSize: 64,
    });
    expect(c.ropeScaling).toEqual({
      ropeType: 'llama3',
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 64,
    });
    expect(c.tieWordEmbeddings).toBe(false);
  });

  it('applies llama3 scaling by band: short wavelengths kept, long divided by factor, the middle smoothed', () => {
    const c = parseLlamaConfig(hf);
    const inv = ropeInverseFrequencies(c);
    const plain = ropeInverseFrequencies({ ...c, ropeScaling: null });
    expect(inv[0]).toBeCloseTo(plain[0], 12); // wavelength 6.3 < 16
    expect(inv[2]).toBeCloseTo(plain[2] / 8, 12); // wavelength 628 > 64
    expect(inv[1]).toBeLessThan(plain[1]); // wavelength 63: smoothed
    expect(inv[1]).toBeGreaterThan(plain[1] / 8);
  });

  it('warns about unknown fields and errors on missing ones', () => {
    const warn = vi.fn();
    parseLlamaConfig({ ...hf, sliding_window: 4096 }, { onWarning: warn });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('sliding_window'));
    const { hidden_size: _, ...missing } = hf;
    expect(() => parseLlamaConfig(missing)).toThrow(ConfigError);
    expect(() => parseLlamaConfig(missing)).toThrow(/hidden_size/);
    expect(() => parseLlamaConfig({ ...hf, num_key_value_heads: 3 })).toThrow(/multiple/);
    expect(() => parseLlamaConfig({ ...hf, hidden_act: 'gelu' })).toThrow(ConfigError);
  });

  it('round-trips through toHfConfig', () => {
    const c = parseLlamaConfig(hf);
    expect(parseLlamaConfig(toHfConfig(c))).toEqual(c);
  });
});

describe('memory estimate', () => {
  it('counts Llama-3-8B at about 8.03 B parameters and refuses it on a 24 GiB machine', () => {
    const paper = presetConfig('paper');
    expect(parameterCount(paper) / 1e9).toBeCloseTo(8.03, 2);
    const estimate = estimateMemory(paper, { sourceBytesPerParameter: 2 });
    expect(() => assertFits(estimate, 24 * 1024 ** 3 * 0.75, 'Meta-Llama-3-8B')).toThrow(ModelTooLargeError);
    expect(() => assertFits(estimate, 24 * 1024 ** 3 * 0.75, 'Meta-Llama-3-8B')).toThrow(/GiB/);
    expect(() => assertFits(estimateMemory(presetConfig('tiny', 3000)), 1024 ** 3)).not.toThrow();
  });

  it("refuses to create the 'paper' preset where it cannot fit, before allocating", async () => {
    await expect(Llm2Vec.create('paper', { availableBytes: 18 * 1024 ** 3 })).rejects.toThrow(
      ModelTooLargeError,
    );
  });
});
