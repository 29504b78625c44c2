import { Rng } from 'renal-core';

/** Options of {@link streamBatches}. */
export interface BatchStreamOptions {
  batchSize: number;
  /** Shuffle the order each pass with this seed (no shuffle when undefined). */
  seed?: number;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
  /** Batches loaded ahead of the consumer (default 1): memory holds at most `prefetch + 1` batches. */
  prefetch?: number;
}

/**
 * Streams batches of loaded samples: items are loaded lazily (from disk, a cache…) as the consumer pulls,
 * with at most `prefetch` batches loaded ahead, so memory stays bounded whatever the cohort's size.
 */
export async function* streamBatches<I, S>(
  items: readonly I[],
  load: (item: I) => Promise<S> | S,
  options: BatchStreamOptions,
): AsyncGenerator<{ items: I[]; samples: S[] }> {
  const { batchSize, seed, dropLast = false, prefetch = 1 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  const order = items.map((_, i) => i);
  if (seed !== undefined) new Rng(seed).shuffle(order);
  const groups: I[][] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    const group = order.slice(i, i + batchSize).map((k) => items[k]);
    if (group.length < batchSize && dropLast) break;
    groups.push(group);
  }
  const loadGroup = async (group: I[]) => ({ items: group, samples: await Promise.all(group.map(load)) });
  const pending: Promise<{ items: I[]; samples: S[] }>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < Math.max(1, prefetch) && next < groups.length)
      pending.push(loadGroup(groups[next++]));
  };
  fill();
  while (pending.length > 0) {
    const batch = await pending.shift()!;
    fill();
    yield batch;
  }
}
