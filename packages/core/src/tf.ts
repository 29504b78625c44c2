/**
 * The single place renal-core imports TensorFlow.js from. `@tensorflow/tfjs-core` alone registers
 * neither gradients nor chained methods (`x.mul(…)`), so we register both here once for every user
 * of the library.
 *
 * Order matters under Node: `@tensorflow/tfjs-core` resolves to its CommonJS bundle there, while the
 * registration files exist only as ESM and load a second copy of tfjs-core's internals. Both copies
 * share the engine and Tensor class through globals, so whichever loads first owns them; it must be
 * the CommonJS entry, whose Tensor methods (`clone`, `cast`, `buffer`, `print`) are wired up — the
 * ESM copy's are not, and tfjs's own gradients (e.g. Cast's) call them.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-backend-cpu';

export * as tf from '@tensorflow/tfjs-core';
