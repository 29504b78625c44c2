import { SurvivalInputError } from './errors.js';
import { lastIndexAtOrBefore } from './math/step.js';
import type { NumericArray } from './validate.js';

/**
 * Predicted survival curves for n subjects on a shared ascending time grid: `survival[i][k]` is Ŝᵢ(times[k]).
 * Between grid times a curve is a right-continuous step; before the first grid time it is 1.
 */
export interface SurvivalCurves {
  /** Ascending time grid. */
  times: NumericArray;
  /** One row per subject, one column per grid time. */
  survival: ArrayLike<NumericArray>;
}

/** Checks the grid is ascending and every row has one finite value in [0, 1] per grid time. */
export function checkCurves(curves: SurvivalCurves, n: number, name = 'curves'): void {
  const m = curves.times.length;
  for (let k = 1; k < m; k++) {
    if (!(curves.times[k] > curves.times[k - 1])) {
      throw new SurvivalInputError(`${name}.times`, `must be strictly ascending (index ${k})`);
    }
  }
  if (curves.survival.length !== n) {
    throw new SurvivalInputError(
      `${name}.survival`,
      `has ${curves.survival.length} rows but time has length ${n}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const row = curves.survival[i];
    if (row.length !== m) {
      throw new SurvivalInputError(
        `${name}.survival[${i}]`,
        `has ${row.length} values but the grid has ${m}`,
      );
    }
    for (let k = 0; k < m; k++) {
      if (!(row[k] >= 0 && row[k] <= 1)) {
        throw new SurvivalInputError(
          `${name}.survival[${i}]`,
          `value ${row[k]} at index ${k} is not in [0, 1]`,
        );
      }
    }
  }
}

/** Grid index whose value a step curve takes at t (−1: before the grid, survival 1). */
export function gridIndex(curves: SurvivalCurves, t: number): number {
  return lastIndexAtOrBefore(curves.times, t);
}

/** Ŝᵢ at grid index k (−1 means 1). */
export function curveValue(curves: SurvivalCurves, i: number, k: number): number {
  return k < 0 ? 1 : curves.survival[i][k];
}
