import { fileURLToPath } from 'node:url';
import {
  BackendUnavailableError,
  initBackend,
  type RawTensor,
  readSafetensors,
  tf,
  toFloat32,
} from 'renal-core';
import { expect } from 'vitest';

/** Reads a fixture written by fixtures/make_fixtures.py. */
export async function loadFixture(name: string): Promise<Map<string, RawTensor>> {
  const path = fileURLToPath(new URL(`./fixtures/${name}.safetensors`, import.meta.url));
  return (await readSafetensors(path)).tensors;
}

/** A fixture tensor by name (fails the test if absent). */
export function get(fixture: Map<string, RawTensor>, name: string): RawTensor {
  const t = fixture.get(name);
  if (t === undefined) throw new Error(`fixture has no tensor ${name}`);
  return t;
}

/** A PyTorch NCDHW volume batch as our NDHWC tensor. */
export function volumeFromTorch(raw: RawTensor): tf.Tensor5D {
  return tf.tidy(() => {
    const ncdhw: tf.Tensor = tf.tensor(toFloat32(raw), raw.shape);
    return tf.transpose(ncdhw, [0, 2, 3, 4, 1]) as tf.Tensor5D;
  });
}

/** Largest absolute difference divided by the largest absolute expected value. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/**
 * Asserts a tensor equals a fixture tensor within `tolerance` relative to the expected magnitude
 * (asynchronous read-back: WebGPU under Node has no synchronous one).
 */
export async function expectClose(
  actual: tf.Tensor,
  expected: RawTensor,
  tolerance: number,
  label: string,
): Promise<number> {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const err = relativeError(await actual.data(), toFloat32(expected));
  expect(err, `${label} relative error`).toBeLessThanOrEqual(tolerance);
  return err;
}

/** Backends exercised by the numeric tests: cpu and wasm always, webgpu where it starts under Node. */
export const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;

/** Switches to a backend; false when it is unavailable here (the caller skips). */
export async function useBackend(name: (typeof BACKENDS)[number]): Promise<boolean> {
  try {
    await initBackend(name);
    return true;
  } catch (error) {
    if (error instanceof BackendUnavailableError || name === 'webgpu') return false;
    throw error;
  }
}
