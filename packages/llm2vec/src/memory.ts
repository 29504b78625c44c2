import { tf } from 'renal-core';
import type { LlamaConfig } from './config.js';
import { ModelTooLargeError } from './errors.js';
import { expectedTensors } from './weights.js';

/** What loading and running a model would need, in bytes. */
export interface MemoryEstimate {
  parameters: number;
  /** float32 weights on the backend. */
  weightBytes: number;
  /** Host copy of the largest file data while decoding (the file's own dtype, e.g. 2 bytes for BF16). */
  loadingBytes: number;
  /** Activations of one inference batch (`batchSize × seqLen`). */
  activationBytes: number;
  total: number;
}

/** Number of parameters of a config. */
export function parameterCount(config: LlamaConfig): number {
  let n = 0;
  for (const shape of expectedTensors(config).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Estimates memory for loading a model and running one batch: float32 weights, the decoded file
 * (`sourceBytesPerParameter`, 2 for BF16 checkpoints), and per-layer activations (hidden, MLP and
 * attention-score tensors, a few alive at once).
 */
export function estimateMemory(
  config: LlamaConfig,
  options: { batchSize?: number; seqLen?: number; sourceBytesPerParameter?: number } = {},
): MemoryEstimate {
  const parameters = parameterCount(config);
  const B = options.batchSize ?? 8;
  const T = options.seqLen ?? 224;
  const weightBytes = parameters * 4;
  const loadingBytes = parameters * (options.sourceBytesPerParameter ?? 4);
  const perLayer =
    B * T * (4 * config.hiddenSize + 3 * config.intermediateSize) + 2 * B * config.numAttentionHeads * T * T;
  const activationBytes = 4 * (3 * perLayer + B * T * config.hiddenSize);
  return {
    parameters,
    weightBytes,
    loadingBytes,
    activationBytes,
    total: weightBytes + loadingBytes + activationBytes,
  };
}

/**
 * Bytes the active backend can hold: wasm's heap is capped at 4 GiB; cpu and tensorflow use process
 * memory (75 % of the machine's); GPU backends report no limit to us, so 4 GiB is assumed.
 */
export async function availableMemory(): Promise<number> {
  const backend = tf.getBackend();
  if (backend === 'cpu' || backend === 'tensorflow') {
    if (typeof process !== 'undefined' && process.versions?.node) {
      const os = await import('node:os');
      return Math.floor(os.totalmem() * 0.75);
    }
  }
  return 4 * 1024 ** 3;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** Throws {@link ModelTooLargeError}, before anything is allocated, when an estimate exceeds what is available. */
export function assertFits(estimate: MemoryEstimate, available: number, what = 'model'): void {
  if (estimate.total <= available) return;
  throw new ModelTooLargeError(
    `${what}: needs about ${gib(estimate.total)} (${(estimate.parameters / 1e9).toFixed(2)} B parameters: ` +
      `${gib(estimate.weightBytes)} float32 weights + ${gib(estimate.loadingBytes)} while loading + ` +
      `${gib(estimate.activationBytes)} activations) but the '${tf.getBackend()}' backend can use about ${gib(available)}; ` +
      'use a smaller model, or compute the embeddings elsewhere and import them (importEmbeddings)',
  );
}
