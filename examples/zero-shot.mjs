// Zero-shot malignancy and invasiveness with the prompt sets of renal-clip-loss: mean-prototype and
// max-similarity scoring, the AUC spread over 1000 random prompt pairs, and the text side's ceiling (the same
// prompts scored on the test reports' own embeddings).
import { args, clip, run } from './common.mjs';

const { results } = await run(args(), { skipDataEfficiency: true });
for (const z of results.zeroShot) {
  const spread = z.spread
    ? `  spread over ${z.spread.pairs} pairs: ${z.spread.min.toFixed(3)}–${z.spread.max.toFixed(3)}`
    : '';
  const mode = z.source === 'report' ? `${z.mode}, true reports` : z.mode;
  console.log(`${z.task.padEnd(13)} ${mode.padEnd(30)} AUC ${clip.formatEstimate(z.auc)}${spread}`);
}
