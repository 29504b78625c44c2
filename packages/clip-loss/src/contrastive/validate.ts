import { tf } from 'renal-core';
import { OptionError, ShapeError } from '../errors.js';

/** Throws {@link ShapeError} unless `x` is a float 2-D tensor `[rows, dim]` with at least one row. */
export function assertEmbeddingMatrix(x: tf.Tensor, name: string): asserts x is tf.Tensor2D {
  if (!(x instanceof tf.Tensor)) throw new ShapeError(`${name}: expected a tf.Tensor, got ${typeof x}`);
  if (x.rank !== 2) throw new ShapeError(`${name}: expected rank 2 [rows, dim], got shape [${x.shape}]`);
  if (x.dtype !== 'float32') throw new ShapeError(`${name}: expected dtype float32, got ${x.dtype}`);
  if ((x.shape[0] ?? 0) < 1 || (x.shape[1] ?? 0) < 1)
    throw new ShapeError(`${name}: empty shape [${x.shape}]`);
}

/** Throws {@link ShapeError} unless image and text embeddings share their dimension. */
export function assertSameDim(images: tf.Tensor2D, texts: tf.Tensor2D): void {
  if (images.shape[1] !== texts.shape[1]) {
    throw new ShapeError(
      `imageEmbeddings [${images.shape}] and textEmbeddings [${texts.shape}] have different dimensions`,
    );
  }
}

/** Throws {@link ShapeError} unless `x` is a float scalar tensor. */
export function assertScalar(x: tf.Tensor, name: string): asserts x is tf.Scalar {
  if (!(x instanceof tf.Tensor) || x.rank !== 0 || x.dtype !== 'float32') {
    throw new ShapeError(`${name}: expected a float32 scalar tensor`);
  }
}

/** Label smoothing must lie in [0, 1). */
export function checkLabelSmoothing(value: number | undefined): number {
  const epsilon = value ?? 0;
  if (!Number.isFinite(epsilon) || epsilon < 0 || epsilon >= 1) {
    throw new OptionError(`labelSmoothing must be in [0, 1), got ${value}`);
  }
  return epsilon;
}

/** Chunk size must be a positive integer; undefined means "the whole batch in one chunk". */
export function checkChunkSize(value: number | undefined, rows: number): number {
  if (value === undefined) return rows;
  if (!Number.isInteger(value) || value < 1) {
    throw new OptionError(`chunkSize must be a positive integer, got ${value}`);
  }
  return Math.min(value, rows);
}
