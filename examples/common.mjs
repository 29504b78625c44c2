// Shared set-up of the example scripts: a synthetic cohort written once, and one pipeline run whose
// checkpoints every example reuses.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as clip from 'renal-clip';

/** The renal-clip API. */
export { clip };

/**
 * Options from the command line: `--out DIR --patients N --seed S --backend NAME --preset tiny|paper
 * --config FILE.json --text llm2vec|tfidf --kits DIR --finetune`.
 */
export function args() {
  const argv = process.argv.slice(2);
  const get = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  return {
    out: resolve(get('out', 'renal-clip-examples-run')),
    patients: Number(get('patients', '100')),
    seed: Number(get('seed', '0')),
    backend: get('backend', 'auto'),
    preset: get('preset', 'tiny'),
    config: get('config', undefined),
    text: get('text', 'llm2vec'),
    kits: get('kits', undefined),
    finetune: argv.includes('--finetune'),
  };
}

/** The pipeline config of `--preset` with the `--config` file's overrides merged in. */
export function config(options) {
  const overrides = options.config ? clip.readConfigOverrides(options.config) : {};
  return clip.pipelineConfig(options.preset, overrides, options.config);
}

/** Writes the synthetic cohort once (reused by every example) and returns its manifest path. */
export async function cohort(options) {
  const manifest = join(options.out, 'cohort', 'manifest.jsonl');
  if (!existsSync(manifest)) {
    process.stderr.write(
      `writing a synthetic cohort of ${options.patients} patients to ${options.out}/cohort\n`,
    );
    await clip.writeDemoCohort(join(options.out, 'cohort'), {
      patients: options.patients,
      seed: options.seed,
      preset: options.preset,
    });
  }
  return manifest;
}

/**
 * Runs the pipeline on the shared cohort. Stages resume from their checkpoints, so only the first example
 * trains; later ones reload and evaluate.
 */
export async function run(options, extra = {}) {
  await clip.initBackend(options.backend);
  const records = clip.readManifest(await cohort(options));
  return clip.runPipeline({
    records,
    source: 'renal-synth cohort',
    outDir: options.out,
    config: config(options),
    seed: options.seed,
    text: { kind: options.text },
    finetune: options.finetune,
    ...extra,
  });
}
