/**
 * Typed errors and warnings. Every problem names the argument it is about, so a caller can tell
 * `time` from `event` from a covariate column without reading a stack trace.
 */

/** Bad input: a negative or NaN time, an event flag that is not 0/1, mismatched lengths, and the like. */
export class SurvivalInputError extends Error {
  override name = 'SurvivalInputError';
  constructor(
    /** The argument (or column) the problem is in, e.g. `time` or `X[:, 2]`. */
    readonly argument: string,
    problem: string,
  ) {
    super(`${argument}: ${problem}`);
  }
}

/** The design matrix is singular: some covariates are constant or collinear (named in `columns`). */
export class SingularDesignError extends SurvivalInputError {
  override name = 'SingularDesignError';
  constructor(
    /** Names (or indices) of the covariates that are linear combinations of the others or constant. */
    readonly columns: string[],
    problem: string,
  ) {
    super('X', problem);
  }
}

/** There is nothing to estimate: no events at all, or no comparable pair for a concordance index. */
export class NoEventsError extends SurvivalInputError {
  override name = 'NoEventsError';
}

/** A non-fatal problem worth telling the user about (e.g. a batch without events, a possibly infinite coefficient). */
export class SurvivalWarning {
  readonly name = 'SurvivalWarning';
  constructor(
    /** Short machine-readable kind. */
    readonly code: 'no-events' | 'not-converged' | 'infinite-coefficient',
    /** Human-readable text naming the problem. */
    readonly message: string,
  ) {}
}

/** Receives warnings; pass your own to collect or silence them. */
export type WarningHandler = (warning: SurvivalWarning) => void;

/** The default handler: `process.emitWarning` under Node, `console.warn` elsewhere. */
export const defaultWarningHandler: WarningHandler = (warning) => {
  const proc = (globalThis as { process?: { emitWarning?: (message: string, name: string) => void } })
    .process;
  if (proc?.emitWarning) proc.emitWarning(warning.message, warning.name);
  else console.warn(`${warning.name}: ${warning.message}`);
};

/** Sends a warning to `handler` (or the default one) and returns it, so callers can also keep a list. */
export function warn(
  code: SurvivalWarning['code'],
  message: string,
  handler: WarningHandler | undefined,
): SurvivalWarning {
  const warning = new SurvivalWarning(code, message);
  (handler ?? defaultWarningHandler)(warning);
  return warning;
}
