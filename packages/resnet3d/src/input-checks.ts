import { tf } from 'renal-core';
import { ResNet3dInputError } from './errors.js';

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks an input tensor's rank, the sizes of its fixed axes (null = any size ≥ 1) and its dtype. */
export function checkTensor(
  x: tf.Tensor,
  label: string,
  expected: readonly (number | null)[],
  axisNames: readonly string[],
  dtype: tf.DataType = 'float32',
): void {
  const wanted = `[${expected.map((d, i) => d ?? axisNames[i]).join(', ')}]`;
  if (!(x instanceof tf.Tensor)) throw new ResNet3dInputError(label, `a tensor ${wanted}`, typeof x);
  if (x.rank !== expected.length) {
    throw new ResNet3dInputError(
      label,
      `rank ${expected.length} ${wanted}`,
      `rank ${x.rank} ${describeShape(x.shape)}`,
    );
  }
  expected.forEach((d, i) => {
    const actual = x.shape[i];
    if ((d !== null && actual !== d) || actual < 1) {
      throw new ResNet3dInputError(
        label,
        `${wanted} (${axisNames[i]} = ${d ?? '≥ 1'})`,
        describeShape(x.shape),
      );
    }
  });
  if (x.dtype !== dtype) throw new ResNet3dInputError(label, `dtype ${dtype}`, `dtype ${x.dtype}`);
}

function countNonFinite(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(x)), 'int32')));
}

function throwIfNonFinite(bad: number, label: string): void {
  if (bad > 0)
    throw new ResNet3dInputError(label, 'finite values', `${bad} non-finite (NaN or ±Infinity) element(s)`);
}

/** Throws if any element is NaN or ±Infinity (one scalar read back synchronously). */
export function checkFinite(x: tf.Tensor, label: string): void {
  const count = countNonFinite(x);
  const bad = count.dataSync()[0];
  count.dispose();
  throwIfNonFinite(bad, label);
}

/** {@link checkFinite} with an asynchronous read-back (for WebGPU). */
export async function checkFiniteAsync(x: tf.Tensor, label: string): Promise<void> {
  const count = countNonFinite(x);
  const bad = (await count.data())[0];
  count.dispose();
  throwIfNonFinite(bad, label);
}

/**
 * Checks a feature batch `[N, width]` (float32); with `finite` (default: every backend but WebGPU, which
 * has no synchronous read-back under Node) also that its values are finite.
 */
export function checkFeatures(x: tf.Tensor, label: string, width: number, finite?: boolean): void {
  checkTensor(x, label, [null, width], ['N', 'F']);
  if (finite ?? tf.getBackend() !== 'webgpu') checkFinite(x, label);
}
