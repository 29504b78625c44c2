// The ten downstream tasks (R, E, N, A, L, malignancy, aggressiveness, RFS, DSS, OS) for three encoders:
// from scratch, stage-1 only and full RenalCLIP, beside the report-attribute reference (heads on each kidney's own
// report attributes), with 95 % bootstrap CIs.
import { args, clip, run } from './common.mjs';

const { results, paths } = await run(args(), { skipDataEfficiency: true });
console.log(clip.textTable(clip.taskTable(results)));
console.log(`\nreport: ${paths.html}`);
