import { SingularDesignError, SurvivalInputError } from '../errors.js';
import { cholesky, choleskySolve } from '../math/linalg.js';
import type { NumericArray } from '../validate.js';

/** Covariates: one row per subject, or named columns of equal length. */
export type Covariates = ArrayLike<NumericArray> | Record<string, NumericArray>;

/** A dense design matrix, row-major. */
export interface Design {
  /** n×p values, row-major. */
  data: Float64Array;
  /** Rows. */
  n: number;
  /** Columns. */
  p: number;
  /** Column names (`x0`, `x1`, … for row input without names). */
  names: string[];
}

function isRowInput(x: Covariates): x is ArrayLike<NumericArray> {
  return typeof (x as { length?: unknown }).length === 'number';
}

/** Copies covariates into a row-major design, naming the first non-finite entry. */
export function toDesign(x: Covariates, names?: string[]): Design {
  if (isRowInput(x)) {
    const n = x.length;
    if (n === 0) throw new SurvivalInputError('X', 'has no rows');
    const p = x[0].length;
    const data = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      const row = x[i];
      if (row.length !== p)
        throw new SurvivalInputError(`X[${i}]`, `has ${row.length} values, row 0 has ${p}`);
      for (let j = 0; j < p; j++) data[i * p + j] = row[j];
    }
    const columnNames = names ?? Array.from({ length: p }, (_, j) => `x${j}`);
    if (columnNames.length !== p)
      throw new SurvivalInputError('names', `has ${columnNames.length} names for ${p} columns`);
    checkAllFinite(data, p, columnNames);
    return { data, n, p, names: columnNames };
  }
  const columnNames = names ?? Object.keys(x);
  const p = columnNames.length;
  if (p === 0) throw new SurvivalInputError('X', 'has no columns');
  const n = x[columnNames[0]]?.length ?? 0;
  const data = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const column = x[columnNames[j]];
    if (!column) throw new SurvivalInputError(`X.${columnNames[j]}`, 'is missing');
    if (column.length !== n) {
      throw new SurvivalInputError(
        `X.${columnNames[j]}`,
        `has length ${column.length}, ${columnNames[0]} has ${n}`,
      );
    }
    for (let i = 0; i < n; i++) data[i * p + j] = column[i];
  }
  checkAllFinite(data, p, columnNames);
  return { data, n, p, names: columnNames };
}

function checkAllFinite(data: Float64Array, p: number, names: string[]): void {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const i = Math.floor(k / p);
      throw new SurvivalInputError(`X.${names[k % p]}`, `is not a finite number (${data[k]}) in row ${i}`);
    }
  }
}

/**
 * Refuses designs whose (within-stratum centred, weighted) cross-product is singular: a constant column,
 * or one that is a linear combination of others. The error names the columns involved.
 */
export function checkNotSingular(design: Design, weight: Float64Array, strata: Int32Array): void {
  const { n, p, names } = design;
  const centred = centreWithinStrata(design, weight, strata);
  const cross = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const w = weight[i];
    for (let a = 0; a < p; a++) {
      const xa = w * centred[i * p + a];
      if (xa === 0) continue;
      for (let b = a; b < p; b++) cross[a * p + b] += xa * centred[i * p + b];
    }
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) cross[a * p + b] = cross[b * p + a];
  for (let a = 0; a < p; a++) {
    if (!(cross[a * p + a] > 0)) {
      throw new SingularDesignError(
        [names[a]],
        `column ${names[a]} is constant${strata.some((s) => s !== 0) ? ' within strata' : ''}; drop it`,
      );
    }
  }
  const factor = cholesky(cross, p, 1e-10);
  if (factor.ok) return;
  const j = factor.failedColumn;
  // Regress column j on the earlier ones to name the columns it depends on.
  const sub = new Float64Array(j * j);
  const rhs = new Float64Array(j);
  for (let a = 0; a < j; a++) {
    rhs[a] = cross[a * p + j];
    for (let b = 0; b < j; b++) sub[a * j + b] = cross[a * p + b];
  }
  const subFactor = cholesky(sub, j, 1e-10);
  const coefficients = subFactor.ok ? choleskySolve(subFactor.lower, j, rhs) : new Float64Array(j).fill(1);
  const involved = [names[j]];
  for (let a = 0; a < j; a++) {
    const scale = Math.sqrt(cross[a * p + a] / cross[j * p + j]);
    if (Math.abs(coefficients[a]) * scale > 1e-6) involved.push(names[a]);
  }
  throw new SingularDesignError(
    involved,
    `columns ${involved.join(', ')} are collinear (the design matrix is singular); drop one of them`,
  );
}

/** Returns a copy of the design with each column's weighted mean removed within each stratum. */
function centreWithinStrata(design: Design, weight: Float64Array, strata: Int32Array): Float64Array {
  const { n, p, data } = design;
  const sums = new Map<number, { w: number; x: Float64Array }>();
  for (let i = 0; i < n; i++) {
    let entry = sums.get(strata[i]);
    if (!entry) {
      entry = { w: 0, x: new Float64Array(p) };
      sums.set(strata[i], entry);
    }
    entry.w += weight[i];
    for (let j = 0; j < p; j++) entry.x[j] += weight[i] * data[i * p + j];
  }
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const entry = sums.get(strata[i])!;
    for (let j = 0; j < p; j++) out[i * p + j] = data[i * p + j] - (entry.w > 0 ? entry.x[j] / entry.w : 0);
  }
  return out;
}
