import { tf } from 'renal-core';
import { NonFiniteEmbeddingError, ZeroEmbeddingError } from '../errors.js';
import { assertEmbeddingMatrix } from './validate.js';

/**
 * Divides every row by its L2 norm (differentiably). Unlike `F.normalize`, which silently maps a zero
 * row to zero, a zero row here is an error: it would make every logit of that row equal and hide a bug
 * upstream (an all-zero encoder output, a padding row).
 *
 * The check reads the norms back synchronously. On WebGPU (where a synchronous read is impossible
 * under Node and stalls the queue in a browser) it is skipped and a zero row yields NaN instead; call
 * {@link checkEmbeddings} there to get the typed error.
 *
 * @param x - embeddings `[rows, dim]`, float32.
 * @param name - how error messages name the tensor.
 * @throws {@link ZeroEmbeddingError} when a row's norm is zero (or underflows to zero in fp32).
 * @throws {@link NonFiniteEmbeddingError} when a row contains NaN or ±Infinity.
 */
export function l2Normalize(x: tf.Tensor2D, name = 'embeddings'): tf.Tensor2D {
  assertEmbeddingMatrix(x, name);
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(x), 1, true));
    if (canReadSync()) checkNorms(norms.dataSync(), name);
    return tf.div(x, norms);
  });
}

/**
 * Asynchronously checks that no row of `x` is zero or non-finite (works on every backend).
 *
 * @throws {@link ZeroEmbeddingError} or {@link NonFiniteEmbeddingError} naming the first bad row.
 */
export async function checkEmbeddings(x: tf.Tensor2D, name = 'embeddings'): Promise<void> {
  assertEmbeddingMatrix(x, name);
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(x), 1)));
  try {
    checkNorms(await norms.data(), name);
  } finally {
    norms.dispose();
  }
}

function checkNorms(norms: ArrayLike<number>, name: string): void {
  for (let row = 0; row < norms.length; row++) {
    const norm = norms[row];
    if (!Number.isFinite(norm)) throw new NonFiniteEmbeddingError(name, row);
    if (norm === 0) throw new ZeroEmbeddingError(name, row);
  }
}

/**
 * Whether to read the norms back synchronously. WebGPU is excluded: under Node it cannot (tfjs reads
 * through an OffscreenCanvas), and in a browser a sync read stalls the GPU queue on every loss call.
 */
function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}
