/**
 * Stable argsort of float keys by LSD radix sort on their IEEE-754 bit patterns (16-bit digits,
 * skipping digits that are the same for every key). Linear time: sorting 10⁶ keys takes tens of
 * milliseconds, several times faster than `Array.prototype.sort` with a comparator, which matters for
 * Harrell's C on a million samples and for the Cox loss inside a training loop.
 */
export function argsort(keys: ArrayLike<number>, descending = false): Uint32Array {
  const n = keys.length;
  const bits = new Float64Array(n);
  for (let i = 0; i < n; i++) bits[i] = keys[i] === 0 ? 0 : keys[i]; // −0 sorts with +0
  const words = new Uint32Array(bits.buffer); // little-endian: [lo, hi] per key
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let l = words[2 * i];
    let h = words[2 * i + 1];
    // Make the unsigned order of (hi, lo) equal to the numeric order of the float.
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    if (descending) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    lo[i] = l;
    hi[i] = h;
    idx[i] = i;
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  let idx2 = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const source = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(source[i] >>> shift) & 0xffff]++;
    if (n === 0 || counts[(source[0] >>> shift) & 0xffff] === n) continue; // digit is constant
    let total = 0;
    for (let b = 0; b < 65536; b++) {
      const c = counts[b];
      counts[b] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const target = counts[(source[i] >>> shift) & 0xffff]++;
      lo2[target] = lo[i];
      hi2[target] = hi[i];
      idx2[target] = idx[i];
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

/**
 * Dense ranks (0-based, equal values share a rank) of `values`, plus the number of distinct values.
 */
export function denseRanks(values: ArrayLike<number>): { ranks: Uint32Array; distinct: number } {
  const order = argsort(values);
  const ranks = new Uint32Array(values.length);
  let rank = -1;
  let previous = Number.NaN;
  for (let k = 0; k < order.length; k++) {
    const v = values[order[k]];
    if (v !== previous) {
      rank++;
      previous = v;
    }
    ranks[order[k]] = rank;
  }
  return { ranks, distinct: rank + 1 };
}
