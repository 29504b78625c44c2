/**
 * The single place renal-core imports TensorFlow.js from. `@tensorflow/tfjs-core` alone registers
 * neither gradients nor chained methods (`x.mul(…)`), so we register both here once for every user
 * of the library.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

export * as tf from '@tensorflow/tfjs-core';
