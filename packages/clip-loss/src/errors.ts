/**
 * Typed errors for bad input. Every message names the tensor or argument and the problem, so a caller
 * deep inside a training loop can tell which input was wrong without a debugger.
 */

/** Base class of every input error this package throws. */
export class ClipLossInputError extends Error {
  override name = 'ClipLossInputError';
}

/** An embedding row has zero (or underflowing) L2 norm, so it has no direction to normalise. */
export class ZeroEmbeddingError extends ClipLossInputError {
  override name = 'ZeroEmbeddingError';
  constructor(
    readonly tensorName: string,
    readonly row: number,
  ) {
    super(`${tensorName}: row ${row} has zero L2 norm and cannot be normalised (a zero embedding vector)`);
  }
}

/** An embedding contains NaN or ±Infinity. */
export class NonFiniteEmbeddingError extends ClipLossInputError {
  override name = 'NonFiniteEmbeddingError';
  constructor(
    readonly tensorName: string,
    readonly row: number,
  ) {
    super(`${tensorName}: row ${row} contains NaN or Infinity`);
  }
}

/** A tensor or array has the wrong rank, size or dtype for the call. */
export class ShapeError extends ClipLossInputError {
  override name = 'ShapeError';
}

/** Group ids are malformed, or some query has no positive partner. */
export class GroupError extends ClipLossInputError {
  override name = 'GroupError';
}

/** A prompt set is malformed (missing `{}` placeholder, empty class, …). */
export class PromptSetError extends ClipLossInputError {
  override name = 'PromptSetError';
}

/** An option is out of its allowed range. */
export class OptionError extends ClipLossInputError {
  override name = 'OptionError';
}
