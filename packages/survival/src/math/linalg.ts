/**
 * Dense symmetric positive-definite algebra for small p×p matrices (row-major Float64Array), enough for
 * Newton–Raphson on a Cox model: Cholesky with a rank tolerance, solves and the inverse.
 */

/** Result of {@link cholesky}: the lower factor, or the first pivot that fell below tolerance. */
export interface CholeskyResult {
  /** Lower-triangular L with A = L·Lᵀ (row-major), when `ok`. */
  lower: Float64Array;
  /** False when A is not numerically positive definite. */
  ok: boolean;
  /** Index of the first column whose pivot was ≤ tolerance·(its diagonal), when not ok. */
  failedColumn: number;
}

/** Cholesky factorisation; a pivot below `tolerance` times the original diagonal counts as singular. */
export function cholesky(a: Float64Array, p: number, tolerance = 1e-10): CholeskyResult {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let diagonal = a[j * p + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * p + k] * l[j * p + k];
    if (!(diagonal > tolerance * Math.abs(a[j * p + j])) || !(diagonal > 0)) {
      return { lower: l, ok: false, failedColumn: j };
    }
    const root = Math.sqrt(diagonal);
    l[j * p + j] = root;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = s / root;
    }
  }
  return { lower: l, ok: true, failedColumn: -1 };
}

/** Solves L·Lᵀ·x = b given the Cholesky factor. */
export function choleskySolve(lower: Float64Array, p: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= lower[i * p + k] * y[k];
    y[i] = s / lower[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= lower[k * p + i] * x[k];
    x[i] = s / lower[i * p + i];
  }
  return x;
}

/** Inverse of a symmetric positive-definite matrix from its Cholesky factor. */
export function choleskyInverse(lower: Float64Array, p: number): Float64Array {
  const inverse = new Float64Array(p * p);
  const unit = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    unit.fill(0);
    unit[j] = 1;
    const column = choleskySolve(lower, p, unit);
    for (let i = 0; i < p; i++) inverse[i * p + j] = column[i];
  }
  return inverse;
}

/** xᵀ·A·x for a p×p matrix A. */
export function quadraticForm(a: Float64Array, p: number, x: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < p; i++) {
    let row = 0;
    for (let j = 0; j < p; j++) row += a[i * p + j] * x[j];
    total += x[i] * row;
  }
  return total;
}
