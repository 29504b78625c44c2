import type { Command } from 'commander';
import { formatMachineState, machineState, Rng, tf } from 'renal-core';
import { cropForModel } from '../../pipeline/augment.js';
import { ImageModel, toBatch } from '../../pipeline/image-model.js';
import { CliError, emit } from '../command.js';
import { CONFIG_HELP, configFrom, startBackend } from '../pipeline-options.js';

async function time(fn: () => Promise<void>, repeats: number): Promise<number> {
  await fn(); // warm-up
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - start) / 1000 / repeats;
}

/** `renal-clip bench`: speed of the image encoder (inference and a training step) on this machine. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure image-encoder inference and training-step speed (volumes/s) on a backend')
    .option('--preset <preset>', 'tiny or paper', 'tiny')
    .option('--config <file>', CONFIG_HELP)
    .option('--batch <n>', 'batch size', '4')
    .option('--repeats <n>', 'timed repetitions', '3')
    .option('--backend <name>', 'auto, wasm, cpu, webgpu or tensorflow', 'auto')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        preset: string;
        config?: string;
        batch: string;
        repeats: string;
        backend: string;
        json?: boolean;
      }) => {
        const batch = Number.parseInt(options.batch, 10);
        const repeats = Number.parseInt(options.repeats, 10);
        if (!(batch >= 1) || !(repeats >= 1))
          throw new CliError('--batch and --repeats must be positive integers');
        const config = configFrom(options);
        const backend = await startBackend(options);
        const machine = await machineState();
        const model = new ImageModel(config, 0);
        const rng = new Rng(0);
        const cached = Float32Array.from({ length: config.cacheShape.reduce((a, b) => a * b, 1) }, () =>
          rng.uniform(),
        );
        const inputs = Array.from({ length: batch }, () =>
          cropForModel(cached, config.cacheShape, config.inputShape, rng, { train: true }),
        );
        const x = toBatch(inputs, config.inputShape);
        const variables = model.backbone.trainableVariables;
        const inference = await time(async () => {
          const y = model.features(x, false);
          await y.data();
          y.dispose();
        }, repeats);
        const training = await time(async () => {
          const { value, grads } = tf.variableGrads(
            () => tf.mean(tf.square(model.features(x, true))) as tf.Scalar,
            variables,
          );
          await value.data();
          tf.dispose([value, ...Object.values(grads)]);
        }, repeats);
        const augment = await time(async () => {
          cropForModel(cached, config.cacheShape, config.inputShape, rng, { train: true });
        }, 20);
        x.dispose();
        model.dispose();
        const result = {
          backend,
          preset: config.preset,
          batch,
          input: config.inputShape,
          inferenceVolumesPerSecond: batch / inference,
          trainingVolumesPerSecond: batch / training,
          augmentMsPerVolume: augment * 1000,
          machine,
        };
        emit(result, options, () =>
          [
            formatMachineState(machine),
            `backend ${backend}, preset ${config.preset} (input ${config.inputShape.join('×')}), batch ${batch}`,
            `inference     ${result.inferenceVolumesPerSecond.toFixed(2)} volumes/s`,
            `training step ${result.trainingVolumesPerSecond.toFixed(2)} volumes/s (forward + backward, no optimiser)`,
            `augmentation  ${result.augmentMsPerVolume.toFixed(2)} ms/volume`,
          ].join('\n'),
        );
      },
    );
}
