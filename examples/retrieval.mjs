// Image↔text retrieval on the test split: Recall@1/3/5 in both directions and their mean, beside chance.
import { args, run } from './common.mjs';

const { results } = await run(args(), { skipDataEfficiency: true });
for (const r of results.retrieval) {
  console.log(
    `${r.direction.padEnd(11)} R@1 ${r.r1.toFixed(3)}  R@3 ${r.r3.toFixed(3)}  R@5 ${r.r5.toFixed(3)}  (chance R@5 ${r.chance5.toFixed(3)})`,
  );
}
for (const ex of results.retrievalExamples.slice(0, 2)) {
  console.log(
    `\n${ex.id}\n  truth: ${ex.truth}\n  top-1: ${ex.retrieved[0].text} (${ex.retrieved[0].correct ? 'hit' : 'miss'})`,
  );
}
