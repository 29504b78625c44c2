import * as tf from '@tensorflow/tfjs-core';
import './tf.js';
import { NodeWebGpuUnavailableError, setupNodeWebGpu } from './webgpu-node.js';

/** A TensorFlow.js backend renal-core knows how to start. `auto` picks the fastest one available. */
export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'webgpu' | 'webgl' | 'cpu';

/** Order in which `auto` tries backends, fastest first. */
export const AUTO_ORDER: Readonly<Record<'node' | 'browser', readonly Exclude<BackendName, 'auto'>[]>> = {
  node: ['tensorflow', 'wasm', 'cpu'],
  browser: ['webgpu', 'webgl', 'wasm', 'cpu'],
};

/** Error thrown when a requested backend cannot be loaded or initialised. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend '${backend}' is unavailable: ${reason}`);
  }
}

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

/** Dynamic import that bundlers leave alone, so optional peers stay optional. */
const importOptional = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

const loaders: Record<Exclude<BackendName, 'auto'>, () => Promise<unknown>> = {
  cpu: async () => undefined,
  wasm: () => importOptional('@tensorflow/tfjs-backend-wasm'),
  // Under Node, WebGPU comes from the optional `webgpu` package and must exist before the backend loads.
  webgpu: async () => {
    if (isNode) await setupNodeWebGpu();
    return importOptional('@tensorflow/tfjs-backend-webgpu');
  },
  webgl: () => importOptional('@tensorflow/tfjs-backend-webgl'),
  tensorflow: () => importOptional('@tensorflow/tfjs-node'),
};

async function trySet(name: Exclude<BackendName, 'auto'>): Promise<string | undefined> {
  try {
    await loaders[name]();
  } catch (error) {
    if (error instanceof NodeWebGpuUnavailableError) return error.message;
    return `cannot import its package (${(error as Error).message.split('\n')[0]})`;
  }
  if (tf.findBackendFactory(name) === null) return 'its package registered no backend';
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok ? undefined : 'initialisation failed';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Selects and initialises a TensorFlow.js backend and returns the name that is now active.
 *
 * `auto` tries, on Node, `tensorflow` (when `@tensorflow/tfjs-node` is installed) → `wasm` → `cpu`, and
 * in a browser `webgpu` → `webgl` → `wasm` → `cpu`. The environment variable `RENAL_BACKEND` overrides
 * the argument. Naming a backend that cannot start throws {@link BackendUnavailableError}. On Node,
 * `webgpu` is set up through the optional `webgpu` package ({@link setupNodeWebGpu}), on the CPU.
 */
export async function initBackend(name: BackendName = 'auto'): Promise<string> {
  const override = isNode ? process.env.RENAL_BACKEND : undefined;
  const requested = (override && override.length > 0 ? override : name) as BackendName;
  if (requested !== 'auto') {
    if (!(requested in loaders)) throw new BackendUnavailableError(requested, 'unknown backend name');
    const failure = await trySet(requested);
    if (failure !== undefined) throw new BackendUnavailableError(requested, failure);
    return tf.getBackend();
  }
  for (const candidate of AUTO_ORDER[isNode ? 'node' : 'browser']) {
    if ((await trySet(candidate)) === undefined) return tf.getBackend();
  }
  throw new BackendUnavailableError('auto', 'no backend could be started');
}
