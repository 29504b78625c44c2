import { tf } from 'renal-core';

/**
 * Scales gradients so their global L2 norm is at most `maxNorm` (as `torch.nn.utils.clip_grad_norm_`).
 * Returns new tensors (the inputs are disposed) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => {
    const squares = names.map((n) => tf.sum(tf.square(grads[n])));
    return squares.length ? tf.sqrt(tf.addN(squares)).dataSync()[0] : 0;
  });
  if (!(norm > maxNorm) || !Number.isFinite(norm)) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  const clipped: Record<string, tf.Tensor> = {};
  for (const name of names) {
    clipped[name] = tf.mul(grads[name], scale);
    grads[name].dispose();
  }
  return { grads: clipped, norm };
}
