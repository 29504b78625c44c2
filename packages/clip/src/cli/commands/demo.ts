import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readManifest } from '../../data/manifest.js';
import { writeDemoCohort } from '../../pipeline/demo-cohort.js';
import { runPipeline } from '../../pipeline/run.js';
import type { PipelineResults } from '../../report/results.js';
import {
  dataEfficiencyCrossover,
  formatEstimate,
  taskTable,
  textTable,
  writeReport,
} from '../../report/write.js';
import { CliError, emit } from '../command.js';
import {
  CONFIG_HELP,
  configFrom,
  DEFAULT_TEXT_ENCODER,
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
      `quality bar — ${q.name}: ${q.value.toFixed(3)} (target ${q.target}) ${q.met ? 'met' : 'NOT met'}`,
    );
  const total = Object.values(results.timings).reduce((s, v) => s + v, 0);
  lines.push(
    `time: ${Object.entries(results.timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(', ')} — ${total.toFixed(0)} s in all`,
  );
  return lines;
}

/** `renal-clip demo`: the whole pipeline on a fresh synthetic cohort (tiny preset by default). */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole RenalCLIP pipeline on a fresh synthetic cohort and print the results table')
    .option('--preset <preset>', 'tiny or paper', 'tiny')
    .option('--out <dir>', 'output folder', 'renal-clip-demo')
    .option('--patients <n>', 'patients in the synthetic cohort', '300')
    .option('--config <file>', CONFIG_HELP)
    .option('--seed <n>', 'random seed', '0')
    .option('--backend <name>', 'auto, wasm, cpu, webgpu or tensorflow', 'auto')
    .option('--text <encoder>', 'stage 1 text encoder: llm2vec or tfidf', DEFAULT_TEXT_ENCODER)
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        preset: string;
        out: string;
        patients: string;
        seed: string;
        backend: string;
        text: string;
        config?: string;
        json?: boolean;
      }) => {
        const patients = Number.parseInt(options.patients, 10);
        if (!(patients >= 10))
          throw new CliError(`--patients must be an integer ≥ 10, got "${options.patients}"`);
        const seed = Number.parseInt(options.seed, 10);
        if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${options.seed}"`);
        const config = configFrom(options);
        const backend = await startBackend(options);
        const out = resolve(options.out);
        const started = performance.now();
        process.stderr.write(
          `renal-clip demo: ${patients} synthetic patients (${options.preset} preset) on ${backend} → ${out}\n`,
        );
        const { manifest, oracle } = await writeDemoCohort(join(out, 'cohort'), {
          patients,
          seed,
          preset: config.preset,
        });
        const synthSeconds = (performance.now() - started) / 1000;
        const { results, paths } = await runPipeline({
          records: readManifest(manifest),
          source: `renal-synth cohort (${patients} patients, seed ${seed})`,
          outDir: out,
          config,
          seed,
          resume: false,
          text: textModeFrom(options),
        });
        results.timings = { 'synthetic cohort': synthSeconds, ...results.timings };
        results.notes.push(
          `Oracle figures of the synthetic cohort (the ceiling): malignancy AUC ${oracle.malignancyAuc.toFixed(3)}, RFS C-index ${oracle.rfsCindex.toFixed(3)} (malignant: ${oracle.rfsCindexMalignant.toFixed(3)}), DSS ${oracle.dssCindex.toFixed(3)}, OS ${oracle.osCindex.toFixed(3)}.`,
        );
        await writeReport(out, results);
        emit({ backend, ...results, files: paths }, options, () =>
          [textTable(taskTable(results)), '', ...summaryLines(results), '', `report: ${paths.html}`].join(
            '\n',
          ),
        );
      },
    );
}
