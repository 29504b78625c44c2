/** Index of the last entry of ascending `times` that is ≤ t (−1 when t precedes them all). */
export function lastIndexAtOrBefore(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the last entry of ascending `times` that is strictly < t (−1 when none). */
export function lastIndexBefore(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Right-continuous step function value at t: values[k] for the last times[k] ≤ t, else `initial`. */
export function stepAt(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  t: number,
  initial: number,
): number {
  const k = lastIndexAtOrBefore(times, t);
  return k < 0 ? initial : values[k];
}

/** Left limit of the step function at t: values[k] for the last times[k] < t, else `initial`. */
export function stepBefore(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  t: number,
  initial: number,
): number {
  const k = lastIndexBefore(times, t);
  return k < 0 ? initial : values[k];
}
