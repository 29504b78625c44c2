/** Base class of every error renal-llm2vec throws on bad input; `name` says which kind. */
export class Llm2VecError extends Error {
  override name = 'Llm2VecError';
}

/** A `config.json` is missing a required field, or a field has an impossible value. */
export class ConfigError extends Llm2VecError {
  override name = 'ConfigError';
}

/** A weight file lacks a tensor, has one of the wrong shape, or cannot be read. */
export class WeightsError extends Llm2VecError {
  override name = 'WeightsError';
}

/** The tokenizer's vocabulary and the model's embedding matrix disagree in size. */
export class VocabularyMismatchError extends Llm2VecError {
  override name = 'VocabularyMismatchError';
}

/** A `tokenizer.json` cannot be used (wrong model type, malformed merges). */
export class TokenizerError extends Llm2VecError {
  override name = 'TokenizerError';
}

/** The model would not fit in the memory the backend can use; thrown before anything is allocated. */
export class ModelTooLargeError extends Llm2VecError {
  override name = 'ModelTooLargeError';
}

/** A file of precomputed embeddings (safetensors or `.npy`) is malformed or inconsistent with its ids. */
export class EmbeddingsFileError extends Llm2VecError {
  override name = 'EmbeddingsFileError';
}
