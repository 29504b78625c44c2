import { GroupError } from '../errors.js';

/**
 * Group ids, one per row: two rows are positives of each other exactly when their ids are equal
 * (several images of one report, identical report texts, phases of one kidney). Any integers work.
 */
export type GroupIds = ArrayLike<number>;

/** Image and text group ids after checking, plus how many rows of each side share every group. */
export interface ResolvedGroups {
  /** Group id of every image row. */
  readonly image: Int32Array;
  /** Group id of every text row. */
  readonly text: Int32Array;
  /** True when every image is paired with exactly the text of the same index and nothing else. */
  readonly isDiagonal: boolean;
  /** For each image row, the number of texts in its group. */
  readonly textsPerImage: Int32Array;
  /** For each text row, the number of images in its group. */
  readonly imagesPerText: Int32Array;
}

/**
 * Checks group ids and fills the defaults: with none given the batch must be square and row i of
 * the images pairs with row i of the texts; when only one side is given (square batch), both sides use
 * it. Every image must have at least one text of its group and vice versa.
 *
 * @throws {@link GroupError} on wrong lengths, non-integer ids, or a row without a positive partner.
 */
export function resolveGroups(
  numImages: number,
  numTexts: number,
  imageGroups?: GroupIds,
  textGroups?: GroupIds,
): ResolvedGroups {
  const given = imageGroups ?? textGroups;
  if (given === undefined && numImages !== numTexts) {
    throw new GroupError(
      `a batch of ${numImages} images and ${numTexts} texts needs imageGroups and textGroups to say which pairs match`,
    );
  }
  const image = toIds(imageGroups ?? textGroups ?? range(numImages), numImages, 'imageGroups');
  const text = toIds(textGroups ?? imageGroups ?? range(numTexts), numTexts, 'textGroups');
  const textCounts = countBy(text);
  const imageCounts = countBy(image);
  const textsPerImage = Int32Array.from(image, (g) => textCounts.get(g) ?? 0);
  const imagesPerText = Int32Array.from(text, (g) => imageCounts.get(g) ?? 0);
  const lonelyImage = textsPerImage.indexOf(0);
  if (lonelyImage >= 0) {
    throw new GroupError(`image row ${lonelyImage} (group ${image[lonelyImage]}) has no text of its group`);
  }
  const lonelyText = imagesPerText.indexOf(0);
  if (lonelyText >= 0) {
    throw new GroupError(`text row ${lonelyText} (group ${text[lonelyText]}) has no image of its group`);
  }
  return { image, text, isDiagonal: isDiagonal(image, text), textsPerImage, imagesPerText };
}

/**
 * Group ids from any keys: rows with equal keys (the same report id, or identical report texts) get the
 * same id, numbered in order of first appearance. Pass the result as `imageGroups`/`textGroups`.
 *
 * @example groupsFromKeys(['rep-7', 'rep-7', 'rep-2']) // Int32Array [0, 0, 1]
 */
export function groupsFromKeys(keys: ArrayLike<string | number>): Int32Array {
  const ids = new Map<string | number, number>();
  return Int32Array.from({ length: keys.length }, (_, i) => {
    const key = keys[i];
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    return id;
  });
}

/** Ids 0..n−1: every row its own group. */
export function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function toIds(ids: GroupIds, expected: number, name: string): Int32Array {
  if (ids.length !== expected) {
    throw new GroupError(`${name}: expected ${expected} group ids (one per row), got ${ids.length}`);
  }
  const out = new Int32Array(expected);
  for (let i = 0; i < expected; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < -2147483648 || id > 2147483647) {
      throw new GroupError(`${name}[${i}] = ${id} is not a 32-bit integer group id`);
    }
    out[i] = id;
  }
  return out;
}

function countBy(ids: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Square, ids unique, and image i's group equals text i's group. */
function isDiagonal(image: Int32Array, text: Int32Array): boolean {
  if (image.length !== text.length) return false;
  if (new Set(image).size !== image.length) return false;
  return image.every((g, i) => text[i] === g);
}

/**
 * Soft target rows for one direction: `targets[q·numItems + k]` is the probability mass query q puts on
 * item k — uniform over the items of q's group, then mixed with the uniform distribution by
 * `labelSmoothing` (PyTorch's `cross_entropy(label_smoothing=ε)` convention: (1−ε)·t + ε/numItems).
 */
export function softTargets(
  queryGroups: Int32Array,
  itemGroups: Int32Array,
  labelSmoothing = 0,
): Float32Array {
  const numItems = itemGroups.length;
  const out = new Float32Array(queryGroups.length * numItems);
  const counts = countBy(itemGroups);
  for (let q = 0; q < queryGroups.length; q++) {
    const mass = (1 - labelSmoothing) / (counts.get(queryGroups[q]) ?? 1);
    for (let k = 0; k < numItems; k++) {
      out[q * numItems + k] = (itemGroups[k] === queryGroups[q] ? mass : 0) + labelSmoothing / numItems;
    }
  }
  return out;
}
