import { tf } from 'renal-core';
import type { LlamaConfig } from './config.js';
import { VocabularyMismatchError, WeightsError } from './errors.js';

/** A float32 tensor held in plain memory (what a safetensors file decodes to). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** The projections of one decoder layer that LoRA can adapt (Hugging Face module names). */
export const LINEAR_MODULES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;

/** Name of a linear projection inside a Llama decoder layer. */
export type LinearModule = (typeof LINEAR_MODULES)[number];

/**
 * One decoder layer's weights. Linear weights are held transposed, `[in, out]` (Hugging Face stores
 * `[out, in]`), so the forward pass is a plain `x @ W` — the fast matMul path on wasm.
 */
export interface LayerWeights {
  linear: Record<LinearModule, tf.Tensor2D>;
  inputNorm: tf.Tensor1D;
  postAttentionNorm: tf.Tensor1D;
}

/** All weights of a Llama model on the active backend. `lmHead` is absent when embeddings are tied. */
export interface LlamaWeights {
  embedTokens: tf.Tensor2D;
  layers: LayerWeights[];
  norm: tf.Tensor1D;
  lmHead?: tf.Tensor2D;
}

const MODULE_PARENT: Record<LinearModule, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn',
  k_proj: 'self_attn',
  v_proj: 'self_attn',
  o_proj: 'self_attn',
  gate_proj: 'mlp',
  up_proj: 'mlp',
  down_proj: 'mlp',
};

/** Hugging Face name (LlamaModel, no `model.` prefix) of a layer's linear weight. */
export function linearName(layer: number, module: LinearModule): string {
  return `layers.${layer}.${MODULE_PARENT[module]}.${module}.weight`;
}

/** Shape `[out, in]` each linear weight must have under a config. */
export function linearShape(config: LlamaConfig, module: LinearModule): [number, number] {
  const d = config.hiddenSize;
  const q = config.numAttentionHeads * config.headDim;
  const kv = config.numKeyValueHeads * config.headDim;
  const f = config.intermediateSize;
  const shapes: Record<LinearModule, [number, number]> = {
    q_proj: [q, d],
    k_proj: [kv, d],
    v_proj: [kv, d],
    o_proj: [d, q],
    gate_proj: [f, d],
    up_proj: [f, d],
    down_proj: [d, f],
  };
  return shapes[module];
}

/** Every tensor a checkpoint of this config holds, by Hugging Face name (LlamaModel naming), with its shape. */
export function expectedTensors(config: LlamaConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  out.set('embed_tokens.weight', [config.vocabSize, config.hiddenSize]);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const m of LINEAR_MODULES) out.set(linearName(i, m), linearShape(config, m));
    out.set(`layers.${i}.input_layernorm.weight`, [config.hiddenSize]);
    out.set(`layers.${i}.post_attention_layernorm.weight`, [config.hiddenSize]);
  }
  out.set('norm.weight', [config.hiddenSize]);
  if (!config.tieWordEmbeddings) out.set('lm_head.weight', [config.vocabSize, config.hiddenSize]);
  return out;
}

/** Strips LlamaForCausalLM's `model.` prefix so both checkpoint flavours read alike. */
export function canonicalName(name: string): string {
  return name.startsWith('model.') ? name.slice('model.'.length) : name;
}

/**
 * Checks a set of host tensors against a config and returns them under canonical names. Missing tensors
 * and wrong shapes throw {@link WeightsError}; an embedding with a different row count than the config's
 * vocabulary throws {@link VocabularyMismatchError}. A missing `lm_head` on an untied model is an error;
 * extra tensors (rotary buffers, …) are ignored.
 */
export function validateHostWeights(
  tensors: ReadonlyMap<string, HostTensor>,
  config: LlamaConfig,
  source = 'weights',
): Map<string, HostTensor> {
  const byName = new Map<string, HostTensor>();
  for (const [name, t] of tensors) byName.set(canonicalName(name), t);
  const embed = byName.get('embed_tokens.weight');
  if (embed && embed.shape[0] !== config.vocabSize) {
    throw new VocabularyMismatchError(
      `${source}: embed_tokens has ${embed.shape[0]} rows but the config's vocab_size is ${config.vocabSize}`,
    );
  }
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of expectedTensors(config)) {
    const t = byName.get(name);
    if (!t) throw new WeightsError(`${source}: tensor '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsError(`${source}: tensor '${name}' has shape [${t.shape}], expected [${shape}]`);
    }
    out.set(name, t);
  }
  return out;
}

/** Uploads validated host tensors to the active backend as a {@link LlamaWeights}. */
export function weightsFromHost(
  tensors: ReadonlyMap<string, HostTensor>,
  config: LlamaConfig,
  source?: string,
): LlamaWeights {
  const valid = validateHostWeights(tensors, config, source);
  const up = <R extends tf.Rank>(name: string, transposed = false) => {
    const t = valid.get(name)!;
    if (transposed) {
      const [rows, cols] = t.shape;
      return tf.keep(
        tf.tensor(transposeHost(t.data, rows, cols), [cols, rows], 'float32'),
      ) as unknown as tf.Tensor<R>;
    }
    return tf.keep(tf.tensor(t.data, t.shape, 'float32')) as unknown as tf.Tensor<R>;
  };
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const linear = {} as Record<LinearModule, tf.Tensor2D>;
    for (const m of LINEAR_MODULES) linear[m] = up<tf.Rank.R2>(linearName(i, m), true);
    layers.push({
      linear,
      inputNorm: up<tf.Rank.R1>(`layers.${i}.input_layernorm.weight`),
      postAttentionNorm: up<tf.Rank.R1>(`layers.${i}.post_attention_layernorm.weight`),
    });
  }
  return {
    embedTokens: up<tf.Rank.R2>('embed_tokens.weight'),
    layers,
    norm: up<tf.Rank.R1>('norm.weight'),
    lmHead: config.tieWordEmbeddings ? undefined : up<tf.Rank.R2>('lm_head.weight'),
  };
}

/**
 * Downloads weights to host tensors under Hugging Face LlamaModel names (for saving and hashing).
 * Asynchronous, so it works on GPU backends too.
 */
export async function weightsToHost(weights: LlamaWeights): Promise<Map<string, HostTensor>> {
  const named: [string, tf.Tensor, boolean?][] = [['embed_tokens.weight', weights.embedTokens]];
  weights.layers.forEach((layer, i) => {
    for (const m of LINEAR_MODULES) named.push([linearName(i, m), layer.linear[m], true]);
    named.push([`layers.${i}.input_layernorm.weight`, layer.inputNorm]);
    named.push([`layers.${i}.post_attention_layernorm.weight`, layer.postAttentionNorm]);
  });
  named.push(['norm.weight', weights.norm]);
  if (weights.lmHead) named.push(['lm_head.weight', weights.lmHead]);
  const out = new Map<string, HostTensor>();
  for (const [name, t, transposed] of named) {
    const data = (await t.data()) as Float32Array;
    if (!transposed) out.set(name, { shape: t.shape.slice(), data });
    else {
      const [rows, cols] = t.shape as [number, number];
      out.set(name, { shape: [cols, rows], data: transposeHost(data, rows, cols) });
    }
  }
  return out;
}

/** Transpose of a row-major `[rows, cols]` matrix. */
export function transposeHost(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** Random host weights for a config (normal, std 0.02; norms at 1), as Hugging Face initialises Llama. */
export function randomHostWeights(
  config: LlamaConfig,
  normal: (n: number, std: number) => Float32Array,
): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of expectedTensors(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = shape.length === 1 ? new Float32Array(n).fill(1) : normal(n, 0.02);
    out.set(name, { shape, data });
  }
  return out;
}

/** Disposes every tensor of a weights object. */
export function disposeWeights(weights: LlamaWeights): void {
  tf.dispose([weights.embedTokens, weights.norm, ...(weights.lmHead ? [weights.lmHead] : [])]);
  for (const layer of weights.layers)
    tf.dispose([...Object.values(layer.linear), layer.inputNorm, layer.postAttentionNorm]);
}
