// Data efficiency: stage 3 repeated on 5, 10, 20, 40, 80 and 100 % of the training patients (several seeds)
// for all ten tasks and the three encoders, then where RenalCLIP at 20 % stands against scratch at 100 %.
import { args, clip, run } from './common.mjs';

const { results, paths } = await run(args());
const rows = [
  ['task', 'encoder', ...new Set(results.dataEfficiency.map((p) => `${Math.round(p.fraction * 100)} %`))],
];
for (const task of new Set(results.dataEfficiency.map((p) => p.task))) {
  for (const encoder of ['scratch', 'stage1', 'renalclip']) {
    const points = results.dataEfficiency.filter((p) => p.task === task && p.encoder === encoder);
    rows.push([
      task,
      clip.ENCODER_LABELS[encoder],
      ...points.map((p) => (Number.isFinite(p.mean) ? `${p.mean.toFixed(3)}±${p.sd.toFixed(3)}` : '—')),
    ]);
  }
}
console.log(clip.textTable(rows));
console.log(`\n${clip.textTable(clip.dataEfficiencyCrossover(results))}`);
console.log(`\ncurves: ${paths.html}`);
