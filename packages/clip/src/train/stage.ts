import {
  checkpointExists,
  loadCheckpoint,
  rawToTensor,
  saveCheckpoint,
  tensorToRaw,
  type tf,
} from 'renal-core';
import type { RawTensor } from 'renal-core';
import type { AdamW } from './adamw.js';
import { ProgressBar, type ProgressSink } from './progress.js';

/** A loss that became NaN or infinite; the stage stopped and its last good checkpoint is kept. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/** The stage was stopped by Ctrl-C (SIGINT) or `requestStop()`; the last checkpoint is kept. */
export class StageInterruptedError extends Error {
  override name = 'StageInterruptedError';
}

/** What a stage's epoch function receives. */
export interface EpochContext {
  epoch: number;
  /** Global step count so far (for schedules). */
  step: number;
  /** Report one step's loss: advances the bar, checks finiteness and stop requests (throws on either). */
  reportLoss(loss: number, fields?: Record<string, number>): void;
}

/** A training stage: named parameters, their optimiser and an epoch function, checkpointed per epoch. */
export interface StageOptions {
  /** Shown on the progress bar and in messages ("stage 1 image"). */
  name: string;
  /** Checkpoint folder; `<dir>/last` is written every epoch and `<dir>/best` when validation improves. */
  dir: string;
  epochs: number;
  stepsPerEpoch: number;
  /** Stable names → variables saved in the checkpoint (the names are the safetensors tensor names). */
  params: Record<string, tf.Variable>;
  optimizer: AdamW;
  /** Written to `config.json` beside the weights. */
  config: Record<string, unknown>;
  trainEpoch(context: EpochContext): Promise<void>;
  /** A validation score, higher is better (e.g. Recall@5); selects `best`. */
  validate?(): Promise<number>;
  /** Continue from `<dir>/last` when it exists (default true). */
  resume?: boolean;
  progress?: ProgressSink | null;
}

/** What {@link runStage} returns. */
export interface StageResult {
  epochsRun: number;
  resumedFrom: number;
  bestScore: number;
  bestEpoch: number;
  lastLoss: number;
  losses: number[];
}

let stopRequested = false;

/** Asks the running stage to stop after its current step (what Ctrl-C does). */
export function requestStop(): void {
  stopRequested = true;
}

/**
 * Runs a stage epoch by epoch, resuming from its last checkpoint, writing `last` (weights + optimiser state)
 * atomically after every epoch and `best` when the validation score improves. Ctrl-C stops after the current
 * step with the last checkpoint intact (a second Ctrl-C exits at once); a non-finite loss stops the stage
 * without writing, so the last good checkpoint stays.
 */
export async function runStage(options: StageOptions): Promise<StageResult> {
  const { dir, epochs, stepsPerEpoch } = options;
  if (options.progress === undefined) options = { ...options, progress: process.stderr };
  const lastDir = `${dir}/last`;
  const bestDir = `${dir}/best`;
  const state = {
    epoch: 0,
    step: 0,
    bestScore: Number.NEGATIVE_INFINITY,
    bestEpoch: -1,
    losses: [] as number[],
  };
  if ((options.resume ?? true) && (await checkpointExists(lastDir)))
    Object.assign(state, await restore(lastDir, options));
  const resumedFrom = state.epoch;
  stopRequested = false;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    requestStop();
    process.stderr.write(
      `\n${options.name}: stopping after this step; the last checkpoint in ${lastDir} is kept\n`,
    );
  };
  process.on('SIGINT', onSigint);
  let lastLoss = Number.NaN;
  try {
    for (; state.epoch < epochs; state.epoch++) {
      const bar = new ProgressBar(
        `${options.name} epoch ${state.epoch + 1}/${epochs}`,
        stepsPerEpoch,
        options.progress,
      );
      let sum = 0;
      let count = 0;
      await options.trainEpoch({
        epoch: state.epoch,
        step: state.step,
        reportLoss(loss, fields = {}) {
          if (!Number.isFinite(loss)) {
            throw new NonFiniteLossError(
              `${options.name}: the loss became ${loss} at epoch ${state.epoch + 1}, step ${state.step + 1}; ` +
                `stopped, the last good checkpoint is kept in ${lastDir}. Lower the learning rate or check the data.`,
            );
          }
          state.step++;
          sum += loss;
          count++;
          lastLoss = loss;
          bar.tick({ loss: sum / count, ...fields });
          if (stopRequested) {
            throw new StageInterruptedError(
              `${options.name}: interrupted; the last checkpoint (${state.epoch} epochs) is kept in ${lastDir} — rerun to resume`,
            );
          }
        },
      });
      state.losses.push(count ? sum / count : Number.NaN);
      if (options.validate) {
        const score = await options.validate();
        options.progress?.write(
          `${options.name} epoch ${state.epoch + 1}: validation score ${score.toFixed(4)}\n`,
        );
        if (score > state.bestScore) {
          state.bestScore = score;
          state.bestEpoch = state.epoch + 1;
          await save(bestDir, options, { ...state, epoch: state.epoch + 1 }, false);
        }
      }
      await save(lastDir, options, { ...state, epoch: state.epoch + 1 }, true);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return {
    epochsRun: epochs - resumedFrom,
    resumedFrom,
    bestScore: state.bestScore,
    bestEpoch: state.bestEpoch,
    lastLoss,
    losses: state.losses,
  };
}

interface SavedState {
  epoch: number;
  step: number;
  bestScore: number;
  bestEpoch: number;
  losses: number[];
}

async function save(
  dir: string,
  options: StageOptions,
  state: SavedState,
  withOptimizer: boolean,
): Promise<void> {
  const tensors: Record<string, RawTensor> = {};
  for (const [name, variable] of Object.entries(options.params)) tensors[name] = await tensorToRaw(variable);
  if (withOptimizer) {
    const stableName = new Map(Object.entries(options.params).map(([name, v]) => [v.name, name]));
    for (const [key, tensor] of Object.entries(options.optimizer.stateTensors())) {
      const slash = key.lastIndexOf('/');
      const name = stableName.get(key.slice(0, slash));
      if (name) tensors[`optimizer/${name}/${key.slice(slash + 1)}`] = await tensorToRaw(tensor);
    }
  }
  await saveCheckpoint(dir, {
    config: {
      ...options.config,
      stage: options.name,
      training: { ...state, optimizerStep: options.optimizer.step },
    },
    tensors,
    metadata: { format: 'renal-clip-stage' },
  });
}

async function restore(dir: string, options: StageOptions): Promise<SavedState> {
  const checkpoint = await loadCheckpoint(dir);
  const loaded: Record<string, tf.Tensor> = {};
  for (const [name, raw] of checkpoint.tensors) loaded[name] = rawToTensor(raw);
  try {
    for (const [name, variable] of Object.entries(options.params)) {
      const value = loaded[name];
      if (!value) throw new Error(`checkpoint ${dir} lacks tensor "${name}"`);
      if (value.shape.join() !== variable.shape.join()) {
        throw new Error(
          `checkpoint ${dir}: "${name}" has shape [${value.shape}] but the model needs [${variable.shape}]`,
        );
      }
      variable.assign(value);
    }
    const optimizerState: Record<string, tf.Tensor> = {};
    for (const [name, variable] of Object.entries(options.params)) {
      for (const slot of ['m', 'v']) {
        const t = loaded[`optimizer/${name}/${slot}`];
        if (t) optimizerState[`${variable.name}/${slot}`] = t;
      }
    }
    const training = (checkpoint.config.training ?? {}) as SavedState & { optimizerStep?: number };
    options.optimizer.loadState(optimizerState, training.optimizerStep ?? 0);
    return {
      epoch: training.epoch ?? 0,
      step: training.step ?? 0,
      bestScore: training.bestScore ?? Number.NEGATIVE_INFINITY,
      bestEpoch: training.bestEpoch ?? -1,
      losses: training.losses ?? [],
    };
  } finally {
    for (const t of Object.values(loaded)) t.dispose();
  }
}
