import type { Command } from 'commander';
import {
  type CohortSummary,
  type Compression,
  generateCohort,
  type Layout,
  type PresetName,
  type SynthKnobs,
} from 'renal-synth';
import { ProgressBar } from '../../train/progress.js';
import { CliError, emit } from '../command.js';

interface SynthOptions {
  out: string;
  patients: string;
  seed: string;
  layout: string;
  preset: string;
  unknownRate?: string;
  labelNoise?: string;
  imageSignal?: string;
  pathologySignal?: string;
  outcomeSignal?: string;
  compression: string;
  json?: boolean;
  progress: boolean;
}

function integer(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`synth: ${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

function fraction(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`synth: ${flag} must be a number ≥ 0, got "${value}"`);
  return n;
}

function knobsOf(o: SynthOptions): Partial<SynthKnobs> {
  const knobs: Partial<SynthKnobs> = {};
  const set = (key: keyof SynthKnobs, value: string | undefined, flag: string) => {
    const n = fraction(value, flag);
    if (n !== undefined) (knobs as Record<string, number>)[key] = n;
  };
  set('unknownRate', o.unknownRate, '--unknown-rate');
  set('labelNoise', o.labelNoise, '--label-noise');
  set('imageSignal', o.imageSignal, '--image-signal');
  set('pathologySignal', o.pathologySignal, '--pathology-signal');
  set('outcomeSignal', o.outcomeSignal, '--outcome-signal');
  return knobs;
}

function describe(summary: CohortSummary, out: string, seconds: number): string {
  const o = summary.oracle;
  return [
    `wrote ${summary.patients} patients (${summary.kidneys} kidneys) to ${out} in ${seconds.toFixed(1)} s`,
    `  layout ${summary.layout}, grid ${summary.grid.shape.join('×')} at ${summary.grid.spacing.join('×')} mm`,
    `  kidneys with a mass ${summary.counts.kidneysWithMass}, malignant ${summary.counts.malignant}, aggressive ${summary.counts.aggressive}`,
    `  splits train ${summary.splits.train} / val ${summary.splits.val} / test ${summary.splits.test} kidneys`,
    `  oracle: malignancy AUC ${o.malignancyAuc}, C-index RFS ${o.rfsCindex} DSS ${o.dssCindex} OS ${o.osCindex}`,
  ].join('\n');
}

/** `renal-clip synth`: writes a synthetic cohort (NIfTI per phase + manifest, or a KiTS layout). */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description(
      'Generate a synthetic kidney-cancer CT cohort (four phases, segmentation, reports, outcomes)',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--patients <n>', 'number of patients (two kidneys each)', '200')
    .option('--seed <s>', 'random seed (same seed → byte-identical files)', '0')
    .option('--layout <layout>', 'renal (manifest.jsonl) or kits (case_XXXXX/ + kits.json)', 'renal')
    .option('--preset <preset>', 'tiny (128×128×32) or paper (256×256×64, 0.8×0.8×2.5 mm)', 'paper')
    .option('--unknown-rate <p>', 'probability an attribute is unknown (not in the report)')
    .option('--label-noise <p>', 'probability a stated attribute is misstated')
    .option('--image-signal <x>', 'how strongly images show the features (0–1)')
    .option('--pathology-signal <x>', 'how strongly features drive pathology')
    .option('--outcome-signal <x>', 'how strongly pathology drives outcomes')
    .option('--compression <c>', 'fast (Huffman-only gzip), balanced (level 1) or small (level 6)', 'fast')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the summary as one JSON object')
    .action(async (o: SynthOptions) => {
      const patients = integer(o.patients, '--patients', 1);
      const seed = integer(o.seed, '--seed', 0);
      if (o.layout !== 'renal' && o.layout !== 'kits') {
        throw new CliError(`synth: --layout must be renal or kits, got "${o.layout}"`);
      }
      if (o.preset !== 'tiny' && o.preset !== 'paper') {
        throw new CliError(`synth: --preset must be tiny or paper, got "${o.preset}"`);
      }
      const bar = o.progress ? new ProgressBar('synth', patients) : undefined;
      const started = Date.now();
      let summary: CohortSummary;
      try {
        summary = await generateCohort({
          out: o.out,
          patients,
          seed,
          layout: o.layout as Layout,
          preset: o.preset as PresetName,
          knobs: knobsOf(o),
          compression: o.compression as Compression,
          onProgress: () => bar?.tick(),
        });
      } catch (error) {
        const e = error as Error & { code?: string; path?: string };
        if (e.name === 'SynthOptionError')
          throw new CliError(`synth: ${e.message.replace(/^renal-synth: /, '')}`);
        if (e.code) throw new CliError(`synth: ${e.path ?? o.out}: ${e.message}`);
        throw error;
      }
      const seconds = (Date.now() - started) / 1000;
      emit({ out: o.out, seconds, ...summary, attributeSchema: undefined }, o, () =>
        describe(summary, o.out, seconds),
      );
    });
}
