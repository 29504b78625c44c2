import { tf } from 'renal-core';

/** Row ranges `[start, size]` that cover `rows` in pieces of at most `chunkSize`. */
export function chunkRanges(rows: number, chunkSize: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < rows; start += chunkSize)
    ranges.push([start, Math.min(chunkSize, rows - start)]);
  return ranges;
}

/** Rows `[start, start + size)` of a 2-D tensor. */
export function rows<T extends tf.Tensor2D | tf.Tensor1D>(x: T, start: number, size: number): T {
  if (start === 0 && size === x.shape[0]) return tf.clone(x) as T;
  return x.rank === 1
    ? (tf.slice(x, [start], [size]) as T)
    : (tf.slice(x, [start, 0], [size, x.shape[1] as number]) as T);
}

/**
 * Replaces an accumulator with `update(old)` and disposes the old value, so loops over chunks hold one
 * accumulator at a time.
 */
export function accumulate<T extends tf.Tensor>(old: T | undefined, update: (old: T | undefined) => T): T {
  const next = tf.tidy(() => update(old));
  old?.dispose();
  return next;
}
