// Report generation sized for a CPU: retrieval-based and attribute-based reports against the true ones,
// BLEU-1/2/4 and ROUGE-L, beside the most-common-report baseline.
import { args, run } from './common.mjs';

const { results } = await run(args(), { skipDataEfficiency: true });
for (const g of results.reportGeneration) {
  console.log(
    `${g.method}\n  BLEU-1 ${g.bleu1.toFixed(3)}  BLEU-2 ${g.bleu2.toFixed(3)}  BLEU-4 ${g.bleu4.toFixed(3)}  ROUGE-L ${g.rougeL.toFixed(3)}`,
  );
  if (g.example) console.log(`  e.g. generated: ${g.example.generated.slice(0, 160)}…`);
}
