import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from 'renal-core';
import { expect } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Reads a JSON fixture from test/fixtures. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

/** Backends to run the tensor tests on: cpu and wasm always; webgpu when it can start under Node. */
export async function availableBackends(): Promise<string[]> {
  const names = ['cpu', 'wasm'];
  try {
    await initBackend('webgpu');
    // Starting is not enough: without a real adapter, reading a tensor back fails. Try one round trip.
    const probe = tf.add(tf.ones([2]), 1);
    const values = await probe.data();
    probe.dispose();
    if (values[0] === 2) names.push('webgpu');
  } catch {
    // WebGPU under Node is optional: skip it cleanly when renal-core cannot start it here.
  } finally {
    await initBackend('cpu');
  }
  return names;
}

/** Flattens nested number arrays. */
export function flat(values: number | number[] | number[][]): number[] {
  if (typeof values === 'number') return [values];
  return (values as (number | number[])[]).flat() as number[];
}

/** Asserts max |actual − expected| ≤ tol · max(1, |expected|) elementwise, with a readable message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: number | number[] | number[][],
  tol: number,
  label = '',
): void {
  const want = flat(expected);
  expect(actual.length, `${label} length`).toBe(want.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(actual[i] - want[i]) / Math.max(1, Math.abs(want[i]));
    if (!(error <= worst)) {
      worst = error;
      worstAt = i;
    }
  }
  expect(
    worst,
    `${label}: worst error at ${worstAt}: got ${actual[worstAt]}, want ${want[worstAt]}`,
  ).toBeLessThanOrEqual(tol);
}
