import * as tf from '@tensorflow/tfjs-core';

/** Error thrown by {@link assertNoLeaks} when an operation leaves tensors behind. */
export class TensorLeakError extends Error {
  override name = 'TensorLeakError';
  constructor(
    readonly label: string,
    readonly leaked: number,
  ) {
    super(`${label} leaked ${leaked} tensor(s)`);
  }
}

/**
 * Runs `fn` (sync or async), disposes the tensors it returns (any nesting of arrays/objects), and throws
 * {@link TensorLeakError} if `tf.memory().numTensors` is not back where it started.
 */
export async function assertNoLeaks<T>(fn: () => T | Promise<T>, label = 'operation'): Promise<void> {
  const before = tf.memory().numTensors;
  const result = await fn();
  disposeDeep(result);
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new TensorLeakError(label, leaked);
}

/** Disposes every tensor found in a value (arrays, plain objects, Maps) and returns nothing. */
export function disposeDeep(value: unknown): void {
  if (value instanceof tf.Tensor) {
    value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeDeep(v);
  } else if (value instanceof Map) {
    for (const v of value.values()) disposeDeep(v);
  } else if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const v of Object.values(value)) disposeDeep(v);
  }
}
