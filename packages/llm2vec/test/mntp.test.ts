import { Rng } from 'renal-core';
import { describe, expect, it } from 'vitest';
import { maskForMntp, padLeft, poolingWeights } from '../src/index.js';

describe('maskForMntp', () => {
  const rows = Array.from({ length: 64 }, (_, b) => [
    1,
    ...Array.from({ length: 20 + (b % 30) }, (_, t) => 10 + ((b * 7 + t) % 80)),
    2,
  ]);
  const batch = padLeft(rows, 2);
  const masked = maskForMntp(
    batch,
    { maskTokenId: 5, vocabSize: 100, specialIds: new Set([1, 2]) },
    new Rng(11),
  );

  it('chooses about 20 % of the real, non-special tokens, never a row start, pad or special', () => {
    const eligible = rows.reduce((n, r) => n + r.length - 2, 0);
    expect(masked.positions.length / eligible).toBeGreaterThan(0.17);
    expect(masked.positions.length / eligible).toBeLessThan(0.23);
    for (const [j, i] of masked.positions.entries()) {
      expect(batch.attentionMask[i]).toBe(1);
      expect(batch.attentionMask[i - 1]).toBe(1);
      expect([1, 2]).not.toContain(masked.labels[j]);
      expect(masked.labels[j]).toBe(batch.inputIds[i]);
    }
  });

  it('replaces 80 % with the mask token, 10 % with a random token and keeps 10 %', () => {
    let mask = 0;
    let kept = 0;
    masked.positions.forEach((i, j) => {
      if (masked.batch.inputIds[i] === 5) mask++;
      else if (masked.batch.inputIds[i] === masked.labels[j]) kept++;
    });
    const n = masked.positions.length;
    expect(mask / n).toBeGreaterThan(0.74);
    expect(mask / n).toBeLessThan(0.86);
    expect(kept / n).toBeGreaterThan(0.05);
    expect(kept / n).toBeLessThan(0.16);
    let changedElsewhere = 0;
    batch.inputIds.forEach((id, i) => {
      if (!masked.positions.includes(i) && masked.batch.inputIds[i] !== id) changedElsewhere++;
    });
    expect(changedElsewhere).toBe(0);
  });
});

describe('poolingWeights', () => {
  it('mean, weighted mean, last and first over the pooled tokens of a left-padded row', () => {
    const batch = padLeft([[7, 8, 9]], 0);
    const wide = padLeft(
      [
        [7, 8, 9],
        [1, 2, 3, 4, 5],
      ],
      0,
    );
    expect(Array.from(poolingWeights(batch, 'mean'))).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(Array.from(poolingWeights(batch, 'weighted_mean'))).toEqual(
      [1 / 6, 2 / 6, 3 / 6].map(Math.fround),
    );
    expect(Array.from(poolingWeights(wide, 'last').subarray(0, 5))).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(poolingWeights(wide, 'first').subarray(0, 5))).toEqual([0, 0, 1, 0, 0]);
  });
});
