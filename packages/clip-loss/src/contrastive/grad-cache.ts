import { tf } from 'renal-core';
import { ShapeError } from '../errors.js';

/** One side of a contrastive batch for {@link gradCacheStep}: an encoder run over input chunks. */
export interface EncodedSide {
  /**
   * Maps one input chunk to its embeddings `[chunkRows, dim]`, reading the model's variables. It is
   * called twice per chunk (once without gradients, once with), so it must be deterministic: switch
   * dropout off or re-seed it per chunk, and note that batch-norm statistics are per chunk.
   */
  encode: (chunk: tf.Tensor) => tf.Tensor2D;
  /** The input chunks, in batch order; their embeddings are concatenated along rows. */
  chunks: readonly tf.Tensor[];
}

/** Options of {@link gradCacheStep}. */
export interface GradCacheOptions {
  /** Image side: an encoder over chunks, or fixed embeddings `[numImages, dim]` (no gradient wanted). */
  images: EncodedSide | tf.Tensor2D;
  /** Text side: an encoder over chunks, or fixed embeddings (e.g. precomputed, frozen text embeddings). */
  texts: EncodedSide | tf.Tensor2D;
  /**
   * The loss of the whole batch from its embeddings, e.g. `(x, y) => clipLoss(x, y, logScale)`. Its own
   * trainable variables (the logit scale, SigLIP's bias) get gradients too.
   */
  loss: (imageEmbeddings: tf.Tensor2D, textEmbeddings: tf.Tensor2D) => tf.Scalar;
  /** Variables to differentiate; default all trainable variables. */
  varList?: tf.Variable[];
}

/** What {@link gradCacheStep} returns. */
export interface GradCacheResult {
  /** The batch loss. */
  loss: tf.Scalar;
  /** Gradient of the loss for every variable it depends on, keyed by variable name. */
  grads: tf.NamedTensorMap;
}

/**
 * Gradient caching (Gao et al., 2021): the contrastive loss of a batch far larger than fits through
 * an encoder at once, with exactly the gradient of the plain computation.
 *
 * 1. Encode every chunk without recording gradients, and concatenate the embeddings.
 * 2. Compute the loss and its gradient with respect to the embeddings (and the loss's own variables).
 * 3. For each chunk again, backpropagate its slice of that gradient through the encoder
 *    (the gradient of Σ embedding ∘ cachedGradient) and add up the variable gradients.
 *
 * Peak memory is one chunk's activations plus the embeddings, instead of the whole batch's activations.
 * The caller owns (and must dispose) the returned tensors; apply them with `optimizer.applyGradients`.
 */
export function gradCacheStep(options: GradCacheOptions): GradCacheResult {
  const images = embedWithoutGradients(options.images, 'images');
  let texts: tf.Tensor2D | undefined;
  let step: ReturnType<typeof embeddingGradients>;
  try {
    texts = embedWithoutGradients(options.texts, 'texts');
    if (images.shape[1] !== texts.shape[1]) {
      throw new ShapeError(
        `gradCacheStep: image embeddings [${images.shape}] and text embeddings [${texts.shape}] differ in dim`,
      );
    }
    const [x, y] = [images, texts];
    step = tf.tidy(() => embeddingGradients(x, y, options));
  } finally {
    disposeIfOwned(options.images, images);
    if (texts) disposeIfOwned(options.texts, texts);
  }
  const grads: tf.NamedTensorMap = { ...step.lossVariableGrads };
  try {
    backpropagateChunks(options.images, step.imageGrad, grads, options.varList);
    backpropagateChunks(options.texts, step.textGrad, grads, options.varList);
  } finally {
    step.imageGrad.dispose();
    step.textGrad.dispose();
  }
  return { loss: step.loss, grads };
}

function isEncoded(side: EncodedSide | tf.Tensor2D): side is EncodedSide {
  return !(side instanceof tf.Tensor);
}

function embedWithoutGradients(side: EncodedSide | tf.Tensor2D, name: string): tf.Tensor2D {
  if (!isEncoded(side)) return side;
  if (side.chunks.length === 0) throw new ShapeError(`gradCacheStep: ${name}.chunks is empty`);
  return tf.tidy(() => {
    const parts = side.chunks.map((chunk, i) => {
      // One tidy per chunk, so each chunk's activations are freed before the next one runs.
      const embedding = tf.tidy(() => side.encode(chunk));
      if (!(embedding instanceof tf.Tensor) || embedding.rank !== 2) {
        throw new ShapeError(`gradCacheStep: ${name}.encode(chunk ${i}) must return a 2-D tensor`);
      }
      return embedding;
    });
    return parts.length === 1 ? parts[0] : (tf.concat(parts) as tf.Tensor2D);
  });
}

function disposeIfOwned(side: EncodedSide | tf.Tensor2D, embeddings: tf.Tensor2D): void {
  if (isEncoded(side)) embeddings.dispose();
}

/**
 * Loss and its gradients w.r.t. the cached embeddings (held in temporary variables so that
 * `variableGrads` differentiates them together with the loss's own variables).
 */
function embeddingGradients(images: tf.Tensor2D, texts: tf.Tensor2D, options: GradCacheOptions) {
  const imageVar = tf.variable(images, true);
  const textVar = tf.variable(texts, true);
  try {
    const lossVars = options.varList?.filter((v) => v.trainable);
    const varList = lossVars ? [imageVar, textVar, ...lossVars] : undefined;
    const { value, grads } = tf.variableGrads(() => options.loss(imageVar, textVar), varList);
    const imageGrad = grads[imageVar.name] ?? tf.zerosLike(images);
    const textGrad = grads[textVar.name] ?? tf.zerosLike(texts);
    const lossVariableGrads: tf.NamedTensorMap = {};
    for (const [name, grad] of Object.entries(grads)) {
      if (name !== imageVar.name && name !== textVar.name) lossVariableGrads[name] = grad;
    }
    return {
      loss: value,
      imageGrad: imageGrad as tf.Tensor2D,
      textGrad: textGrad as tf.Tensor2D,
      lossVariableGrads,
    };
  } finally {
    imageVar.dispose();
    textVar.dispose();
  }
}

/** Step 3: chunk by chunk, the variable gradients of Σ encode(chunk) ∘ cachedGradient, summed into `grads`. */
function backpropagateChunks(
  side: EncodedSide | tf.Tensor2D,
  embeddingGrad: tf.Tensor2D,
  grads: tf.NamedTensorMap,
  varList: tf.Variable[] | undefined,
): void {
  if (!isEncoded(side)) return;
  let start = 0;
  for (const chunk of side.chunks) {
    let rowsInChunk = 0;
    const result = tf.variableGrads(() => {
      const embedding = side.encode(chunk);
      rowsInChunk = embedding.shape[0];
      const chunkGrad = tf.slice(embeddingGrad, [start, 0], [rowsInChunk, embeddingGrad.shape[1]]);
      return tf.sum(tf.mul(embedding, chunkGrad)) as tf.Scalar;
    }, varList);
    result.value.dispose();
    for (const [name, grad] of Object.entries(result.grads)) {
      const old = grads[name];
      grads[name] = old === undefined ? grad : tf.tidy(() => tf.add(old, grad));
      if (old !== undefined) {
        old.dispose();
        grad.dispose();
      }
    }
    start += rowsInChunk;
  }
  if (start !== embeddingGrad.shape[0]) {
    throw new ShapeError(
      `gradCacheStep: chunks hold ${start} rows but the encoder gave ${embeddingGrad.shape[0]}`,
    );
  }
}
