import { ConfigError } from './errors.js';

/** Llama-3's `rope_scaling` of type `llama3`: long wavelengths are stretched by `factor`, with a smooth band. */
export interface Llama3RopeScaling {
  ropeType: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** The shape of a Llama-architecture model, as read from a Hugging Face `config.json`. */
export interface LlamaConfig {
  hiddenSize: number;
  intermediateSize: number;
  numAttentionHeads: number;
  /** Key/value heads; fewer than `numAttentionHeads` means grouped-query attention. */
  numKeyValueHeads: number;
  numHiddenLayers: number;
  /** Per-head width (Hugging Face's `head_dim`, default hiddenSize / heads). */
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  maxPositionEmbeddings: number;
  /** Dropout on attention probabilities during training (LLM2Vec's SimCSE sets 0.3). */
  attentionDropout: number;
  bosTokenId: number;
  eosTokenId: number;
}

/** Fields of a Llama `config.json` this reader understands or deliberately ignores (no warning). */
const KNOWN_FIELDS = new Set([
  'architectures',
  'model_type',
  'torch_dtype',
  'transformers_version',
  'initializer_range',
  'pretraining_tp',
  'use_cache',
  '_name_or_path',
  'pad_token_id',
  'hidden_act',
  'attention_bias',
  'mlp_bias',
  'bos_token_id',
  'eos_token_id',
  'num_key_value_heads',
  'head_dim',
  'rope_theta',
  'rope_scaling',
  'tie_word_embeddings',
  'max_position_embeddings',
  'attention_dropout',
  'hidden_size',
  'intermediate_size',
  'num_attention_heads',
  'num_hidden_layers',
  'rms_norm_eps',
  'vocab_size',
  'output_attentions',
  'output_hidden_states',
  'return_dict',
  'quantization_config',
]);

const REQUIRED = [
  'hidden_size',
  'intermediate_size',
  'num_attention_heads',
  'num_hidden_layers',
  'rms_norm_eps',
  'vocab_size',
] as const;

function positiveInt(json: Record<string, unknown>, key: string, source: string): number {
  const v = json[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`${source}: '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function firstId(v: unknown, fallback: number): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return fallback;
}

function parseRopeScaling(v: unknown, source: string): Llama3RopeScaling | null {
  if (v === null || v === undefined) return null;
  const s = v as Record<string, unknown>;
  const type = s.rope_type ?? s.type;
  if (type === 'default') return null;
  if (type !== 'llama3')
    throw new ConfigError(`${source}: rope_scaling type '${String(type)}' is not supported (only 'llama3')`);
  const num = (k: string) => {
    if (typeof s[k] !== 'number') throw new ConfigError(`${source}: rope_scaling.${k} is missing`);
    return s[k] as number;
  };
  return {
    ropeType: 'llama3',
    factor: num('factor'),
    lowFreqFactor: num('low_freq_factor'),
    highFreqFactor: num('high_freq_factor'),
    originalMaxPositionEmbeddings: num('original_max_position_embeddings'),
  };
}

/**
 * Reads a Hugging Face Llama `config.json` object. Missing required fields and unsupported features
 * (a non-SiLU activation, attention biases) throw {@link ConfigError}; fields this reader does not know
 * are reported through `onWarning` (default `console.warn`) and otherwise ignored.
 */
export function parseLlamaConfig(
  json: unknown,
  options: { source?: string; onWarning?: (message: string) => void } = {},
): LlamaConfig {
  const source = options.source ?? 'config.json';
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`${source}: expected a JSON object`);
  }
  const c = json as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => c[k] === undefined);
  if (missing.length > 0) throw new ConfigError(`${source}: missing required field(s) ${missing.join(', ')}`);
  const unknown = Object.keys(c).filter((k) => !KNOWN_FIELDS.has(k) && !k.startsWith('llm2vec'));
  if (unknown.length > 0) warn(`${source}: ignoring unknown field(s) ${unknown.join(', ')}`);
  if (c.hidden_act !== undefined && c.hidden_act !== 'silu') {
    throw new ConfigError(
      `${source}: hidden_act '${String(c.hidden_act)}' is not supported (Llama uses 'silu')`,
    );
  }
  if (c.attention_bias === true || c.mlp_bias === true) {
    throw new ConfigError(`${source}: attention_bias/mlp_bias are not supported`);
  }
  const hiddenSize = positiveInt(c, 'hidden_size', source);
  const numAttentionHeads = positiveInt(c, 'num_attention_heads', source);
  const numKeyValueHeads =
    c.num_key_value_heads === undefined ? numAttentionHeads : positiveInt(c, 'num_key_value_heads', source);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new ConfigError(
      `${source}: num_attention_heads ${numAttentionHeads} is not a multiple of num_key_value_heads ${numKeyValueHeads}`,
    );
  }
  const headDim =
    c.head_dim === undefined || c.head_dim === null
      ? hiddenSize / numAttentionHeads
      : positiveInt(c, 'head_dim', source);
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw new ConfigError(`${source}: head width ${headDim} must be an even integer`);
  const rmsNormEps = c.rms_norm_eps;
  if (typeof rmsNormEps !== 'number' || !(rmsNormEps > 0))
    throw new ConfigError(`${source}: rms_norm_eps must be a positive number`);
  return {
    hiddenSize,
    intermediateSize: positiveInt(c, 'intermediate_size', source),
    numAttentionHeads,
    numKeyValueHeads,
    numHiddenLayers: positiveInt(c, 'num_hidden_layers', source),
    headDim,
    rmsNormEps,
    ropeTheta: typeof c.rope_theta === 'number' ? c.rope_theta : 10000,
    ropeScaling: parseRopeScaling(c.rope_scaling, source),
    vocabSize: positiveInt(c, 'vocab_size', source),
    tieWordEmbeddings: c.tie_word_embeddings === true,
    maxPositionEmbeddings: typeof c.max_position_embeddings === 'number' ? c.max_position_embeddings : 2048,
    attentionDropout: typeof c.attention_dropout === 'number' ? c.attention_dropout : 0,
    bosTokenId: firstId(c.bos_token_id, 128000),
    eosTokenId: firstId(c.eos_token_id, 128001),
  };
}

/** Writes a config back in Hugging Face's `config.json` form (LlamaModel), loadable by transformers. */
export function toHfConfig(config: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaModel'],
    model_type: 'llama',
    hidden_act: 'silu',
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_attention_heads: config.numAttentionHeads,
    num_key_value_heads: config.numKeyValueHeads,
    num_hidden_layers: config.numHiddenLayers,
    head_dim: config.headDim,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: config.ropeScaling && {
      rope_type: 'llama3',
      factor: config.ropeScaling.factor,
      low_freq_factor: config.ropeScaling.lowFreqFactor,
      high_freq_factor: config.ropeScaling.highFreqFactor,
      original_max_position_embeddings: config.ropeScaling.originalMaxPositionEmbeddings,
    },
    vocab_size: config.vocabSize,
    tie_word_embeddings: config.tieWordEmbeddings,
    max_position_embeddings: config.maxPositionEmbeddings,
    attention_dropout: config.attentionDropout,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    torch_dtype: 'float32',
  };
}

/** Named model shapes: `tiny` trains on two CPU cores in minutes; `paper` is Llama-3-8B (load-only). */
export type PresetName = 'tiny' | 'paper';

/**
 * The config of a preset. `tiny` is meant for a pruned vocabulary — pass its size; `paper` has Llama-3-8B's
 * shapes (4096 wide, 32 layers, 32 heads, 8 key/value heads, 128,256 tokens).
 */
export function presetConfig(name: PresetName, vocabSize?: number): LlamaConfig {
  const common = {
    rmsNormEps: 1e-5,
    ropeTheta: 500000,
    ropeScaling: null,
    bosTokenId: 128000,
    eosTokenId: 128001,
  };
  if (name === 'tiny') {
    return {
      ...common,
      hiddenSize: 128,
      intermediateSize: 352,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      numHiddenLayers: 2,
      headDim: 32,
      vocabSize: vocabSize ?? 128256,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 512,
      attentionDropout: 0,
    };
  }
  if (name === 'paper') {
    return {
      ...common,
      hiddenSize: 4096,
      intermediateSize: 14336,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 32,
      headDim: 128,
      vocabSize: vocabSize ?? 128256,
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 8192,
      attentionDropout: 0,
    };
  }
  throw new ConfigError(`unknown preset '${String(name)}' (expected 'tiny' or 'paper')`);
}
