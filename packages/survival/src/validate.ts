import { NoEventsError, SurvivalInputError } from './errors.js';

/** Numbers in any array-like container (plain arrays, typed arrays). */
export type NumericArray = ArrayLike<number>;

/** Event indicators: 1/true = event observed, 0/false = censored. */
export type EventArray = ArrayLike<number | boolean>;

/** Right-censored survival outcomes after validation. */
export interface SurvivalData {
  /** Follow-up times, finite and ≥ 0. */
  time: Float64Array;
  /** 1 = event, 0 = censored. */
  event: Uint8Array;
}

/** Checks times (finite, ≥ 0) and event flags (0/1 or booleans) of equal, non-zero length. */
export function checkSurvival(time: NumericArray, event: EventArray, what = ''): SurvivalData {
  const prefix = what ? `${what}.` : '';
  const n = time.length;
  if (n === 0) throw new SurvivalInputError(`${prefix}time`, 'is empty');
  checkLength(event, n, `${prefix}event`, `${prefix}time`);
  const t = new Float64Array(n);
  const e = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ti = time[i];
    if (typeof ti !== 'number' || Number.isNaN(ti)) {
      throw new SurvivalInputError(`${prefix}time`, `is NaN (or not a number) at index ${i}`);
    }
    if (!Number.isFinite(ti)) throw new SurvivalInputError(`${prefix}time`, `is infinite at index ${i}`);
    if (ti < 0) throw new SurvivalInputError(`${prefix}time`, `is negative (${ti}) at index ${i}`);
    t[i] = ti;
    const ei = event[i];
    if (ei === 1 || ei === true) e[i] = 1;
    else if (ei !== 0 && ei !== false) {
      throw new SurvivalInputError(
        `${prefix}event`,
        `must be 0/1 or boolean, got ${String(ei)} at index ${i}`,
      );
    }
  }
  return { time: t, event: e };
}

/** Throws unless `values` has length `n` (the length of `reference`). */
export function checkLength(values: ArrayLike<unknown>, n: number, name: string, reference = 'time'): void {
  if (values.length !== n) {
    throw new SurvivalInputError(name, `has length ${values.length} but ${reference} has length ${n}`);
  }
}

/** Copies finite numbers into a Float64Array, naming the first NaN/infinite entry otherwise. */
export function checkFinite(values: NumericArray, name: string, n?: number): Float64Array {
  if (n !== undefined) checkLength(values, n, name);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new SurvivalInputError(name, `is not a finite number (${String(v)}) at index ${i}`);
    }
    out[i] = v === 0 ? 0 : v; // folds −0 into +0 so sort keys agree
  }
  return out;
}

/** Case weights: finite and ≥ 0; all ones when omitted. */
export function checkWeights(weights: NumericArray | undefined, n: number, name = 'weights'): Float64Array {
  if (weights === undefined) return new Float64Array(n).fill(1);
  const w = checkFinite(weights, name, n);
  for (let i = 0; i < n; i++) {
    if (w[i] < 0) throw new SurvivalInputError(name, `is negative (${w[i]}) at index ${i}`);
  }
  return w;
}

/** Maps arbitrary labels to dense integer codes 0..k−1 (in order of first sorted appearance). */
export function encodeLabels(
  labels: ArrayLike<string | number>,
  n: number,
  name: string,
): { codes: Int32Array; levels: (string | number)[] } {
  checkLength(labels, n, name);
  const levels = [...new Set(Array.from(labels))].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
  );
  for (const level of levels) {
    if (typeof level === 'number' && Number.isNaN(level)) {
      throw new SurvivalInputError(name, 'contains NaN');
    }
  }
  const index = new Map(levels.map((level, k) => [level, k]));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = index.get(labels[i])!;
  return { codes, levels };
}

/** Throws {@link NoEventsError} when every observation is censored. */
export function requireEvents(event: Uint8Array, what: string): void {
  for (let i = 0; i < event.length; i++) if (event[i] === 1) return;
  throw new NoEventsError(
    'event',
    `all ${event.length} observations are censored; ${what} needs at least one event`,
  );
}
