/**
 * renal-core: the foundation every renal-clip package stands on — backend selection, fast 3-D ops with
 * correct gradients on every backend, safetensors and checkpoints, a seeded RNG and a tensor-leak guard.
 *
 * @packageDocumentation
 */
export { tf } from './tf.js';
export { AUTO_ORDER, BackendUnavailableError, initBackend, type BackendName } from './backend.js';
export { NodeWebGpuUnavailableError, setupNodeWebGpu } from './webgpu-node.js';
export { Rng } from './rng.js';
export { formatMachineState, machineState, type MachineState } from './machine.js';
export * from './ops/index.js';
export * from './io/index.js';
export { assertNoLeaks, disposeDeep, TensorLeakError } from './testing/leaks.js';
