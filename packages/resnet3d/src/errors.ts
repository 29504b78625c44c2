/** A model configuration that cannot be built (unknown depth, widths of the wrong length, …). */
export class ResNet3dConfigError extends Error {
  override name = 'ResNet3dConfigError';
}

/**
 * An input tensor the model or a head cannot take: wrong rank, wrong size on an axis, wrong dtype or
 * non-finite values. `expected` and `actual` describe the mismatch in words (e.g. `[N, D, H, W, 1]` vs `[2, 16, 16]`).
 */
export class ResNet3dInputError extends Error {
  override name = 'ResNet3dInputError';
  constructor(
    readonly tensor: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${tensor}: expected ${expected}, got ${actual}`);
  }
}

/** One tensor whose shape in a weight file differs from the model's (both in the file's own layout). */
export interface ShapeConflict {
  name: string;
  expected: number[];
  actual: number[];
}

/**
 * A state dict that does not fit the model. Lists every missing key, unexpected key and shape conflict
 * at once and, where the pattern is recognisable, the likely cause (another depth, shortcut type,
 * input channel count, width or stem kernel).
 */
export class WeightMismatchError extends Error {
  override name = 'WeightMismatchError';
  constructor(
    readonly source: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly shapeConflicts: ShapeConflict[],
    readonly likelyCauses: string[],
  ) {
    super(describeMismatch(source, missing, unexpected, shapeConflicts, likelyCauses));
  }
}

const LISTED = 12;

function listNames(names: string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown}, … (${names.length - LISTED} more)` : shown;
}

function describeMismatch(
  source: string,
  missing: string[],
  unexpected: string[],
  conflicts: ShapeConflict[],
  causes: string[],
): string {
  const parts = [`${source}: the weights do not fit the model`];
  if (causes.length > 0) parts.push(`likely cause: ${causes.join('; ')}`);
  if (missing.length > 0) parts.push(`missing keys (${missing.length}): ${listNames(missing)}`);
  if (unexpected.length > 0) parts.push(`unexpected keys (${unexpected.length}): ${listNames(unexpected)}`);
  if (conflicts.length > 0) {
    const shown = conflicts
      .slice(0, LISTED)
      .map((c) => `${c.name} expected [${c.expected.join(', ')}] got [${c.actual.join(', ')}]`);
    parts.push(`shape conflicts (${conflicts.length}): ${shown.join('; ')}`);
  }
  return parts.join('\n  ');
}
