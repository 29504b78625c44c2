import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from 'renal-core';
import { readManifest } from '../../data/manifest.js';
import { writeDemoCohort, writePretrainingCohort } from '../../pipeline/demo-cohort.js';
import { runPipeline } from '../../pipeline/run.js';
import type { PipelineConfig } from '../../pipeline/config.js';
import type { PipelineResults } from '../../report/results.js';
import { type QualityBarAcrossSeeds, qualityBarAcrossSeeds } from '../../report/seeds.js';
import {
  dataEfficiencyCrossover,
  formatEstimate,
  formatMeasure,
  taskTable,
  textTable,
  writeReport,
} from '../../report/write.js';
import { CliError, emit } from '../command.js';
import {
  addStage3Options,
  CONFIG_HELP,
  configFrom,
  DEFAULT_TEXT_ENCODER,
  type Stage3CliOptions,
  startBackend,
  textModeFrom,
} from '../pipeline-options.js';

/** The non-table lines of a results summary: zero-shot, retrieval, report generation, data efficiency, quality bar. */
export function summaryLines(results: PipelineResults): string[] {
  const lines: string[] = [];
  for (const z of results.zeroShot)
    lines.push(
      `zero-shot ${z.task} (${z.mode}${z.source === 'report' ? ', true reports: text ceiling' : ''}): AUC ${formatEstimate(z.auc)}`,
    );
  for (const r of results.retrieval) {
    lines.push(
      `retrieval ${r.direction}: R@1 ${r.r1.toFixed(3)}  R@3 ${r.r3.toFixed(3)}  R@5 ${r.r5.toFixed(3)}  (chance R@5 ${r.chance5.toFixed(3)}, ${r.candidates} candidates)`,
    );
  }
  for (const g of results.reportGeneration) {
    lines.push(
      `report generation, ${g.method}: BLEU-1 ${g.bleu1.toFixed(3)}  BLEU-4 ${g.bleu4.toFixed(3)}  ROUGE-L ${g.rougeL.toFixed(3)}`,
    );
  }
  const crossover = dataEfficiencyCrossover(results).slice(1);
  for (const [task, renalclip20, , scratch100, reached] of crossover)
    lines.push(
      `data efficiency ${task}: RenalCLIP at 20 % ${renalclip20}, scratch at 100 % ${scratch100}; RenalCLIP ${reached === 'not reached' ? 'does not reach it' : `reaches it at ${reached}`}`,
    );
  for (const q of results.qualityBar)
    lines.push(
      `quality bar — ${q.name}: ${formatMeasure(q.value, q.unit)} (target ${q.target}) ${q.met ? 'met' : 'NOT met'}`,
    );
  const total = Object.values(results.timings).reduce((s, v) => s + v, 0);
  lines.push(
    `time: ${Object.entries(results.timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(', ')} — ${total.toFixed(0)} s in all`,
  );
  return lines;
}

/** Options of `renal-clip demo` as commander parses them. */
interface DemoCliOptions extends Stage3CliOptions {
  preset: string;
  out: string;
  patients: string;
  pretrainPatients: string;
  seed: string;
  seeds: string;
  backend: string;
  text: string;
  config?: string;
  json?: boolean;
}

/**
 * One demo: a fresh synthetic cohort for `seed` in `out` (and a pretraining-only one beside it when
 * `pretrainPatients` > 0), the whole pipeline on it, and the report.
 */
async function demoOnce(
  options: DemoCliOptions,
  run: { config: PipelineConfig; patients: number; pretrainPatients: number; seed: number; out: string },
): Promise<{ results: PipelineResults; paths: { json: string; markdown: string; html: string } }> {
  const { config, patients, pretrainPatients, seed, out } = run;
  const started = performance.now();
  const { manifest, oracle } = await writeDemoCohort(join(out, 'cohort'), {
    patients,
    seed,
    preset: config.preset,
  });
  const pretraining =
    pretrainPatients > 0
      ? await writePretrainingCohort(join(out, 'pretrain-cohort'), {
          patients: pretrainPatients,
          seed,
          preset: config.preset,
        })
      : undefined;
  const synthSeconds = (performance.now() - started) / 1000;
  const { results } = await runPipeline({
    records: readManifest(manifest),
    source: `renal-synth cohort (${patients} patients, seed ${seed})`,
    ...(pretraining && {
      pretrainRecords: pretraining.records,
      pretrainSource: `renal-synth cohort (${pretrainPatients} patients, seed ${pretraining.seed})`,
    }),
    outDir: out,
    config,
    seed,
    resume: false,
    text: textModeFrom(options),
    fusion: options.fusion,
    finetune: options.finetune,
  });
  results.timings = { 'synthetic cohort': synthSeconds, ...results.timings };
  results.notes.push(
    `Oracle figures of the synthetic cohort (the ceiling): malignancy AUC ${oracle.malignancyAuc.toFixed(3)}, RFS C-index ${oracle.rfsCindex.toFixed(3)} (malignant: ${oracle.rfsCindexMalignant.toFixed(3)}), DSS ${oracle.dssCindex.toFixed(3)}, OS ${oracle.osCindex.toFixed(3)}.`,
  );
  return { results, paths: await writeReport(out, results) };
}

/** The quality bar across seeds as a text table: each seed's value, mean ± sd, range and seeds met. */
export function seedTable(spread: QualityBarAcrossSeeds): string {
  const rows = [
    ['criterion', ...spread.seeds.map((s) => `seed ${s}`), 'mean ± sd', 'range', 'met', 'target'],
    ...spread.criteria.map((c) => [
      c.name,
      ...c.values.map((v) => formatMeasure(v, c.unit)),
      `${formatMeasure(c.mean, c.unit)} ± ${formatMeasure(c.sd, c.unit)}`,
      Number.isFinite(c.min) ? `${formatMeasure(c.min, c.unit)}–${formatMeasure(c.max, c.unit)}` : '—',
      `${c.met}/${spread.seeds.length}`,
      c.target,
    ]),
  ];
  return textTable(rows);
}

/** `renal-clip demo`: the whole pipeline on a fresh synthetic cohort (tiny preset by default). */
export function registerDemo(program: Command): void {
  const demo = program
    .command('demo')
    .description('run the whole RenalCLIP pipeline on a fresh synthetic cohort and print the results table')
    .option('--preset <preset>', 'tiny or paper', 'tiny')
    .option('--out <dir>', 'output folder', 'renal-clip-demo')
    .option('--patients <n>', 'patients in the synthetic cohort the tasks are scored on', '300')
    .option(
      '--pretrain-patients <n>',
      'patients in a second, pretraining-only synthetic cohort that stages 1 and 2 also learn from (0: none)',
      '0',
    )
    .option('--config <file>', CONFIG_HELP)
    .option('--seed <n>', 'random seed', '0')
    .option(
      '--seeds <n>',
      'run N demos, seeds SEED…SEED+N−1 (each its own cohort, in OUT/seed-S), and report the quality bar across them',
      '1',
    )
    .option('--backend <name>', 'auto, wasm, cpu, webgpu or tensorflow', 'auto')
    .option('--text <encoder>', 'stage 1 text encoder: llm2vec or tfidf', DEFAULT_TEXT_ENCODER)
    .option('--json', 'print one JSON object');
  addStage3Options(demo).action(async (options: DemoCliOptions) => {
    const patients = Number.parseInt(options.patients, 10);
    if (!(patients >= 10))
      throw new CliError(`--patients must be an integer ≥ 10, got "${options.patients}"`);
    const pretrainPatients = Number(options.pretrainPatients);
    if (!(Number.isInteger(pretrainPatients) && pretrainPatients >= 0))
      throw new CliError(`--pretrain-patients must be an integer ≥ 0, got "${options.pretrainPatients}"`);
    const seed = Number.parseInt(options.seed, 10);
    if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${options.seed}"`);
    const seeds = Number(options.seeds);
    if (!(Number.isInteger(seeds) && seeds >= 1))
      throw new CliError(`--seeds must be a positive integer, got "${options.seeds}"`);
    const config = configFrom(options);
    const backend = await startBackend(options);
    const out = resolve(options.out);
    process.stderr.write(
      `renal-clip demo: ${patients} synthetic patients${pretrainPatients > 0 ? ` + ${pretrainPatients} for pretraining only` : ''} (${options.preset} preset${seeds > 1 ? `, ${seeds} seeds` : ''}) on ${backend} → ${out}\n`,
    );
    if (seeds === 1) {
      const { results, paths } = await demoOnce(options, { config, patients, pretrainPatients, seed, out });
      emit({ backend, ...results, files: paths }, options, () =>
        [textTable(taskTable(results)), '', ...summaryLines(results), '', `report: ${paths.html}`].join('\n'),
      );
      return;
    }
    const runs: PipelineResults[] = [];
    const reports: string[] = [];
    for (let s = seed; s < seed + seeds; s++) {
      process.stderr.write(`renal-clip demo: seed ${s} → ${join(out, `seed-${s}`)}\n`);
      const { results, paths } = await demoOnce(options, {
        config,
        patients,
        pretrainPatients,
        seed: s,
        out: join(out, `seed-${s}`),
      });
      runs.push(results);
      reports.push(paths.json);
    }
    const spread = qualityBarAcrossSeeds(runs);
    const file = join(out, 'quality-bar-seeds.json');
    await writeFileAtomic(file, `${JSON.stringify(spread, null, 2)}\n`);
    emit({ backend, ...spread, files: { json: file, runs: reports } }, options, () =>
      [
        seedTable(spread),
        '',
        `per-seed reports: ${join(out, 'seed-*', 'report.html')}`,
        `table: ${file}`,
      ].join('\n'),
    );
  });
}
