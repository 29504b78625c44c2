/**
 * renal-llm2vec: a Llama-architecture text encoder made bidirectional (LLM2Vec) — Llama-3 tokenizer,
 * Hugging Face safetensors import, LoRA, MNTP and SimCSE training, pooling and a cached `embed()`.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export { bundledLlama3TokenizerPath, Llama3Tokenizer, type EncodeOptions, type TokenizerJson } from './tokenizer/llama3-tokenizer.js';
