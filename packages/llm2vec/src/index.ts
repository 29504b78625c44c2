/**
 * renal-llm2vec: a Llama-architecture text encoder made bidirectional (LLM2Vec) — Llama-3 tokenizer,
 * Hugging Face safetensors import, LoRA, MNTP and SimCSE training, pooling and a cached `embed()`.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export {
  type Llama3RopeScaling,
  type LlamaConfig,
  parseLlamaConfig,
  type PresetName,
  presetConfig,
  toHfConfig,
} from './config.js';
export { ropeInverseFrequencies, ropeTables } from './rope.js';
export { attentionBias, padLeft, positionIds, type TokenBatch } from './batch.js';
export {
  canonicalName,
  disposeWeights,
  expectedTensors,
  type HostTensor,
  type LayerWeights,
  LINEAR_MODULES,
  type LinearModule,
  type LlamaWeights,
  randomHostWeights,
  validateHostWeights,
  weightsFromHost,
  weightsToHost,
} from './weights.js';
export { applyRope, type ForwardOptions, LlamaModel } from './model.js';
export { rmsNorm } from './rms-norm.js';
export { DEFAULT_LORA, LoraAdapter, type LoraConfig, type LoraPair, parsePeftConfig } from './lora.js';
export { crossEntropy, l2Normalize, pool, type PoolingMode, poolingWeights } from './pooling.js';
export { type MaskedBatch, type MaskingOptions, maskForMntp, mntpLoss } from './mntp.js';
export { contrastiveLoss, simcseLoss } from './simcse.js';
export {
  assertFits,
  availableMemory,
  estimateMemory,
  type MemoryEstimate,
  parameterCount,
} from './memory.js';
export {
  findWeightFile,
  loadLlamaModel,
  loadLoraAdapter,
  rawToHost,
  readLlamaConfig,
  saveLlamaModel,
  saveLoraAdapter,
} from './hf-io.js';
export {
  buildPromptBatch,
  type PromptBatch,
  type PromptOptions,
  type PromptStyle,
  promptSpecialIds,
} from './prompt.js';
export {
  bundledLlama3TokenizerPath,
  type EncodeOptions,
  Llama3Tokenizer,
  type TokenizerJson,
} from './tokenizer/llama3-tokenizer.js';
export { VocabMap } from './tokenizer/vocab-map.js';
export { EmbeddingCache } from './cache.js';
export { DEFAULT_SETTINGS, type EmbedOptions, Llm2Vec, type Llm2VecSettings } from './encoder.js';
export {
  type TrainOptions,
  type TrainProgress,
  sliceMaskedBatch,
  type TrainResult,
  trainMntp,
  trainSimCse,
} from './training.js';
export {
  decodeNpy,
  EMBEDDINGS_TENSOR,
  type EmbeddingTable,
  encodeNpy,
  exportEmbeddings,
  idsSidecar,
  importEmbeddings,
  toEmbeddingTable,
} from './embeddings-io.js';
