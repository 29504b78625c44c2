/**
 * Ops with hand-written gradients that are computed only when asked for.
 *
 * `tf.customGrad` computes every input's gradient, but the engine's own `runKernelFunc` (what customGrad
 * is built on; public in JavaScript, private in the typings of tfjs-core 4.22) takes one function per
 * input and calls only those the tape needs — so training the stem never pays for the input image's
 * gradient. Falls back to customGrad if that method is missing.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs's Engine that runs an op with its own backward functions. */
interface KernelFuncEngine {
  runKernelFunc?: (invocation: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }) => tf.Tensor;
}

/**
 * Runs `forward` on `inputs` as one op of the gradient tape. `forward` may `save` tensors (kept only
 * while a gradient is being recorded); `backward(dy, saved)` returns one gradient function per input,
 * in the order of `inputs`, each called only if the tape needs that input's gradient. Tensors that
 * `forward` creates are freed when it returns, except its result and what it `tf.keep`s.
 */
export function withLazyGradients<T extends tf.Tensor>(
  inputs: tf.Tensor[],
  forward: (save: tf.GradSaveFunc) => T,
  backward: (dy: T, saved: tf.Tensor[]) => (() => tf.Tensor)[],
): T {
  const engine = tf.engine() as unknown as KernelFuncEngine;
  if (typeof engine.runKernelFunc === 'function') {
    return engine.runKernelFunc({
      forwardFunc: (_backend, save) => forward(save),
      backwardsFunc: (dy, saved) => {
        const grads = backward(dy as T, saved);
        return Object.fromEntries(grads.map((g, i) => [String(i), g]));
      },
      inputs: Object.fromEntries(inputs.map((t, i) => [String(i), t])),
    }) as T;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return {
      value: forward(save),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => backward(dy as T, saved).map((g) => g()),
    };
  });
  return op(...inputs) as T;
}
