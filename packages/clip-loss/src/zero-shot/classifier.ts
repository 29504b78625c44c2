import { tf } from 'renal-core';
import { l2Normalize } from '../contrastive/normalize.js';
import { assertEmbeddingMatrix } from '../contrastive/validate.js';
import { OptionError, ShapeError } from '../errors.js';
import { expandPrompts, type PromptSet, validatePromptSet } from './prompt-set.js';

/**
 * Embeds a list of texts as `[texts.length, dim]` (the pipeline passes its LLM2Vec encoder). The
 * classifier disposes the tensors it returns.
 */
export type TextEmbedder = (texts: string[]) => tf.Tensor2D | Promise<tf.Tensor2D>;

/** How a class's prompts become one score per image. */
export type PromptScoring =
  /** Cosine to the class prototype: the mean of the normalised prompt embeddings, renormalised. */
  | 'mean'
  /** The highest cosine between the image and any prompt of the class. */
  | 'max';

/** Options of {@link buildZeroShotClassifier}. */
export interface BuildOptions {
  /** Prompts per call of the embedder (default 64), to bound the text encoder's memory. */
  batchSize?: number;
}

/**
 * A zero-shot classifier: L2-normalised prompt embeddings per class. Owns its tensors; call
 * {@link ZeroShotClassifier.dispose} when done.
 */
export class ZeroShotClassifier {
  private readonly prototypes: tf.Tensor2D;
  private readonly allPrompts: tf.Tensor2D;

  /**
   * Wraps per-class prompt embeddings (each `[promptsOfClass, dim]`, normalised here; the classifier
   * takes ownership of copies, not of the arguments).
   */
  constructor(
    readonly classNames: readonly string[],
    promptEmbeddings: readonly tf.Tensor2D[],
  ) {
    if (classNames.length < 2 || classNames.length !== promptEmbeddings.length) {
      throw new ShapeError(
        `ZeroShotClassifier: need ≥ 2 classes and one embedding matrix per class, got ${classNames.length} names and ${promptEmbeddings.length} matrices`,
      );
    }
    promptEmbeddings.forEach((e, k) => {
      assertEmbeddingMatrix(e, `promptEmbeddings[${k}] (${classNames[k]})`);
    });
    const dim = promptEmbeddings[0].shape[1];
    if (promptEmbeddings.some((e) => e.shape[1] !== dim)) {
      throw new ShapeError('ZeroShotClassifier: prompt embeddings of all classes must share their dimension');
    }
    this.promptCounts = promptEmbeddings.map((e) => e.shape[0]);
    [this.allPrompts, this.prototypes] = tf.tidy(() => {
      const normalised = promptEmbeddings.map((e, k) =>
        l2Normalize(e, `promptEmbeddings[${k}] (${classNames[k]})`),
      );
      const means = normalised.map((e) => tf.mean(e, 0, true));
      return [tf.concat(normalised), l2Normalize(tf.concat(means) as tf.Tensor2D, 'class prototypes')];
    });
  }

  /** Number of prompts of each class, in class order. */
  readonly promptCounts: readonly number[];

  /** Embedding dimension. */
  get dim(): number {
    return this.allPrompts.shape[1];
  }

  /** Class prototypes `[numClasses, dim]`: mean of the normalised prompt embeddings, renormalised (a copy). */
  classPrototypes(): tf.Tensor2D {
    return tf.clone(this.prototypes);
  }

  /** All normalised prompt embeddings `[totalPrompts, dim]`, class by class (a copy). */
  promptEmbeddings(): tf.Tensor2D {
    return tf.clone(this.allPrompts);
  }

  /**
   * Cosine scores `[numImages, numClasses]` of L2-normalised image embeddings against each class, by
   * the mean prototype or by the best single prompt.
   */
  similarities(imageEmbeddings: tf.Tensor2D, scoring: PromptScoring = 'mean'): tf.Tensor2D {
    assertEmbeddingMatrix(imageEmbeddings, 'imageEmbeddings');
    if (imageEmbeddings.shape[1] !== this.dim) {
      throw new ShapeError(
        `imageEmbeddings [${imageEmbeddings.shape}] do not match the prompt dimension ${this.dim}`,
      );
    }
    return tf.tidy(() => {
      const images = l2Normalize(imageEmbeddings, 'imageEmbeddings');
      if (scoring === 'mean') return tf.matMul(images, tf.transpose(this.prototypes));
      if (scoring !== 'max') throw new OptionError(`scoring must be 'mean' or 'max', got ${scoring}`);
      const all = tf.matMul(images, tf.transpose(this.allPrompts));
      const perClass = tf.split(all, [...this.promptCounts], 1).map((s) => tf.max(s, 1, true));
      return tf.concat(perClass, 1) as tf.Tensor2D;
    });
  }

  /** Class probabilities `softmax(scale · similarities)`; `scale` defaults to CLIP's maximum, 100. */
  probabilities(imageEmbeddings: tf.Tensor2D, scoring: PromptScoring = 'mean', scale = 100): tf.Tensor2D {
    return tf.tidy(
      () => tf.softmax(tf.mul(this.similarities(imageEmbeddings, scoring), scale)) as tf.Tensor2D,
    );
  }

  /** Frees the classifier's tensors. */
  dispose(): void {
    this.prototypes.dispose();
    this.allPrompts.dispose();
  }
}

/**
 * Builds a {@link ZeroShotClassifier} from a prompt set (ours — {@link MALIGNANCY_PROMPTS},
 * {@link INVASIVENESS_PROMPTS} — or a user's) and a text embedding function.
 */
export async function buildZeroShotClassifier(
  promptSet: PromptSet,
  embed: TextEmbedder,
  options: BuildOptions = {},
): Promise<ZeroShotClassifier> {
  const set = validatePromptSet(promptSet);
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new OptionError(`batchSize must be ≥ 1, got ${batchSize}`);
  const perClass: tf.Tensor2D[] = [];
  try {
    for (const prompts of expandPrompts(set)) perClass.push(await embedInBatches(prompts, embed, batchSize));
    return new ZeroShotClassifier(
      set.classes.map((c) => c.name),
      perClass,
    );
  } finally {
    for (const t of perClass) t.dispose();
  }
}

async function embedInBatches(texts: string[], embed: TextEmbedder, batchSize: number): Promise<tf.Tensor2D> {
  const parts: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const embedded = await embed(batch);
      parts.push(embedded);
      if (!(embedded instanceof tf.Tensor) || embedded.rank !== 2 || embedded.shape[0] !== batch.length) {
        throw new ShapeError(
          `text embedder returned ${embedded instanceof tf.Tensor ? `shape [${embedded.shape}]` : typeof embedded} for ${batch.length} prompts`,
        );
      }
    }
    return parts.length === 1 ? tf.clone(parts[0]) : (tf.concat(parts) as tf.Tensor2D);
  } finally {
    for (const t of parts) if (t instanceof tf.Tensor) t.dispose();
  }
}
