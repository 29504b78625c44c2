// Zero-shot malignancy and invasiveness with the prompt sets of renal-clip-loss: mean-prototype and
// max-similarity scoring, and the AUC spread over 1000 random prompt pairs.
import { args, clip, run } from './common.mjs';

const { results } = await run(args(), { skipDataEfficiency: true });
for (const z of results.zeroShot) {
  const spread = z.spread
    ? `  spread over ${z.spread.pairs} pairs: ${z.spread.min.toFixed(3)}–${z.spread.max.toFixed(3)}`
    : '';
  console.log(`${z.task.padEnd(13)} ${z.mode.padEnd(15)} AUC ${clip.formatEstimate(z.auc)}${spread}`);
}
