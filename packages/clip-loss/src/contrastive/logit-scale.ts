import { tf } from 'renal-core';
import { assertScalar } from './validate.js';

/** CLIP's initial logit scale, stored as a log: ln(1/0.07) ≈ 2.6593 (temperature 0.07). */
export const INIT_LOG_LOGIT_SCALE = Math.log(1 / 0.07);
/** Lower clamp of the log logit scale: ln 1 = 0 (scale ≥ 1). */
export const MIN_LOG_LOGIT_SCALE = 0;
/** Upper clamp of the log logit scale: ln 100 (scale ≤ 100), as in CLIP and RenalCLIP. */
export const MAX_LOG_LOGIT_SCALE = Math.log(100);

/**
 * Creates the learnable log logit scale as a trainable scalar variable, initialised to
 * {@link INIT_LOG_LOGIT_SCALE}.
 */
export function createLogitScale(initial = INIT_LOG_LOGIT_SCALE, name?: string): tf.Variable<tf.Rank.R0> {
  return tf.tidy(() => tf.variable(tf.scalar(initial), true, name));
}

/**
 * The multiplicative logit scale `exp(clamp(logScale, 0, ln 100))`. The clamp is applied here, inside
 * every loss, so callers cannot forget it; as with `torch.clamp`, the gradient is zero once the stored
 * value leaves the range (use {@link clampLogitScaleInPlace} after an optimiser step to pull it back).
 */
export function logitScaleFromLog(logScale: tf.Scalar): tf.Scalar {
  assertScalar(logScale, 'logScale');
  return tf.tidy(() => tf.exp(tf.clipByValue(logScale, MIN_LOG_LOGIT_SCALE, MAX_LOG_LOGIT_SCALE)));
}

/**
 * Clamps a stored log logit scale variable into [0, ln 100] in place (what open_clip does after each
 * optimiser step), so the value the optimiser sees never drifts far outside the usable range.
 */
export function clampLogitScaleInPlace(logScale: tf.Variable<tf.Rank.R0>): void {
  tf.tidy(() => logScale.assign(tf.clipByValue(logScale, MIN_LOG_LOGIT_SCALE, MAX_LOG_LOGIT_SCALE)));
}
