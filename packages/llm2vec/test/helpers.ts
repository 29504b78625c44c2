import { readFileSync } from 'node:fs';
import type { TokenBatch } from '../src/index.js';

/** The PyTorch reference outputs (test/fixtures/reference_llama.py). */
export interface Reference {
  inputIds: number[];
  attentionMask: number[];
  batchSize: number;
  seqLen: number;
  poolMask: number[];
  hiddenBidirectional: number[];
  hiddenCausal: number[];
  hiddenLora: number[];
  hiddenBidirectionalHfPositions: number[];
  pooled: Record<'mean' | 'weighted_mean' | 'last' | 'first', number[]>;
  mntp: {
    corruptedIds: number[];
    positions: number[];
    labels: number[];
    lossBase: number;
    lossLora: number;
    loraGrads: Record<string, { A: number[]; B: number[] }>;
  };
  simcseBiVsCausal: number;
}

export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

export const reference: Reference = JSON.parse(readFileSync(fixture('reference-llama.json'), 'utf8'));

export function referenceBatch(ids: number[] = reference.inputIds): TokenBatch {
  return {
    batchSize: reference.batchSize,
    seqLen: reference.seqLen,
    inputIds: Int32Array.from(ids),
    attentionMask: Uint8Array.from(reference.attentionMask),
  };
}

/** max |a − b| / max |b| over the entries where `keep` is true. */
export function relativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  keep: (i: number) => boolean = () => true,
): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!keep(i)) continue;
    num = Math.max(num, Math.abs(actual[i] - expected[i]));
    den = Math.max(den, Math.abs(expected[i]));
  }
  return num / den;
}

/** Keeps only real (non-pad) token positions of a flattened `[B, T, D]` array. */
export const realTokens = (width: number) => (i: number) =>
  reference.attentionMask[Math.floor(i / width)] === 1;
