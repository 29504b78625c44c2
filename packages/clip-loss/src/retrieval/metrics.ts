import { tf } from 'renal-core';
import { chunkRanges, rows } from '../contrastive/chunks.js';
import { type GroupIds, resolveGroups } from '../contrastive/groups.js';
import { l2Normalize } from '../contrastive/normalize.js';
import { assertEmbeddingMatrix, assertSameDim, checkChunkSize } from '../contrastive/validate.js';
import { OptionError, ShapeError } from '../errors.js';
import { type DirectionMetrics, RankingAccumulator, relevantItems } from './ranking.js';

/** Options of {@link retrievalMetrics}. */
export interface RetrievalOptions {
  /** Group id per image; a text is relevant to an image (and vice versa) when their ids match. */
  imageGroups?: GroupIds;
  /** Group id per text. Default: `imageGroups` when square — pass the same id to identical report texts. */
  textGroups?: GroupIds;
  /** Recall cut-offs (default 1, 3, 5, 10). */
  ks?: readonly number[];
  /** Query rows scored at once (default 1024): similarity memory is `chunkSize × items`. */
  chunkSize?: number;
}

/** Retrieval metrics in both directions. */
export interface RetrievalMetrics {
  /** Images as queries, texts as items. */
  imageToText: DirectionMetrics;
  /** Texts as queries, images as items. */
  textToImage: DirectionMetrics;
  /** Mean of the two directions' Recall@K, for each K (the paper's model-selection score uses K = 5). */
  meanRecall: Record<number, number>;
}

/**
 * Image↔text retrieval by cosine similarity: Recall@K both ways and their mean, median and mean rank of
 * the first relevant item, and mAP. Items sharing a group id (several images of one report, identical
 * texts) all count as hits. Similarities are computed in query chunks, so 4096 × 4096 stays small.
 */
export async function retrievalMetrics(
  imageEmbeddings: tf.Tensor2D,
  textEmbeddings: tf.Tensor2D,
  options: RetrievalOptions = {},
): Promise<RetrievalMetrics> {
  assertEmbeddingMatrix(imageEmbeddings, 'imageEmbeddings');
  assertEmbeddingMatrix(textEmbeddings, 'textEmbeddings');
  assertSameDim(imageEmbeddings, textEmbeddings);
  const ks = options.ks ?? [1, 3, 5, 10];
  if (ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new OptionError(`ks must be positive integers: ${ks}`);
  const [numImages, numTexts] = [imageEmbeddings.shape[0], textEmbeddings.shape[0]];
  const groups = resolveGroups(numImages, numTexts, options.imageGroups, options.textGroups);
  const [images, texts] = tf.tidy(() => [
    l2Normalize(imageEmbeddings, 'imageEmbeddings'),
    l2Normalize(textEmbeddings, 'textEmbeddings'),
  ]);
  try {
    const chunkSize = options.chunkSize ?? 1024;
    const imageToText = await rankDirection(
      images,
      texts,
      relevantItems(groups.image, groups.text),
      chunkSize,
    );
    const textToImage = await rankDirection(
      texts,
      images,
      relevantItems(groups.text, groups.image),
      chunkSize,
    );
    const i2t = imageToText.result(ks);
    const t2i = textToImage.result(ks);
    const meanRecall: Record<number, number> = {};
    for (const k of ks) meanRecall[k] = (i2t.recall[k] + t2i.recall[k]) / 2;
    return { imageToText: i2t, textToImage: t2i, meanRecall };
  } finally {
    images.dispose();
    texts.dispose();
  }
}

async function rankDirection(
  queries: tf.Tensor2D,
  items: tf.Tensor2D,
  relevant: number[][],
  chunkSize: number,
): Promise<RankingAccumulator> {
  const accumulator = new RankingAccumulator();
  const numItems = items.shape[0];
  // An explicit transpose: tfjs-wasm's matMul with a transpose flag is many times slower.
  const itemsT = tf.transpose(items);
  try {
    for (const [start, size] of chunkRanges(queries.shape[0], checkChunkSize(chunkSize, queries.shape[0]))) {
      const similarityTensor = tf.tidy(() => tf.matMul(rows(queries, start, size), itemsT));
      const similarities = await similarityTensor.data();
      similarityTensor.dispose();
      for (let q = 0; q < size; q++) {
        accumulator.add(similarities.subarray(q * numItems, (q + 1) * numItems), relevant[start + q]);
      }
    }
  } finally {
    itemsT.dispose();
  }
  return accumulator;
}

/**
 * The same metrics from a precomputed similarity matrix `[numImages, numTexts]` (row-major), e.g. from
 * another model — no tensors involved.
 */
export function retrievalMetricsFromSimilarity(
  similarities: ArrayLike<number>,
  numImages: number,
  numTexts: number,
  options: Omit<RetrievalOptions, 'chunkSize'> = {},
): RetrievalMetrics {
  if (similarities.length !== numImages * numTexts) {
    throw new ShapeError(
      `similarities has ${similarities.length} entries, expected ${numImages}×${numTexts}`,
    );
  }
  const ks = options.ks ?? [1, 3, 5, 10];
  const groups = resolveGroups(numImages, numTexts, options.imageGroups, options.textGroups);
  const i2tRelevant = relevantItems(groups.image, groups.text);
  const t2iRelevant = relevantItems(groups.text, groups.image);
  const i2t = new RankingAccumulator();
  const t2i = new RankingAccumulator();
  const row = new Float64Array(numTexts);
  for (let i = 0; i < numImages; i++) {
    for (let j = 0; j < numTexts; j++) row[j] = similarities[i * numTexts + j];
    i2t.add(row, i2tRelevant[i]);
  }
  const col = new Float64Array(numImages);
  for (let j = 0; j < numTexts; j++) {
    for (let i = 0; i < numImages; i++) col[i] = similarities[i * numTexts + j];
    t2i.add(col, t2iRelevant[j]);
  }
  const imageToText = i2t.result(ks);
  const textToImage = t2i.result(ks);
  const meanRecall: Record<number, number> = {};
  for (const k of ks) meanRecall[k] = (imageToText.recall[k] + textToImage.recall[k]) / 2;
  return { imageToText, textToImage, meanRecall };
}
