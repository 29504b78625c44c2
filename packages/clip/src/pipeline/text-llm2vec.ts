import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Llm2Vec, trainMntp, trainSimCse } from 'renal-llm2vec';
import { ProgressBar, type ProgressSink } from '../train/progress.js';
import type { PipelineConfig } from './config.js';
import type { TextEncoder } from './text.js';

/** A trained LLM2Vec encoder seen through the pipeline's {@link TextEncoder} interface. */
export class Llm2VecTextEncoder implements TextEncoder {
  readonly description: string;

  constructor(
    readonly encoder: Llm2Vec,
    description: string,
    private readonly cacheDir?: string,
  ) {
    this.description = description;
  }

  /** Width of the embeddings (the model's hidden size). */
  get dim(): number {
    return this.encoder.model.config.hiddenSize;
  }

  /** L2-normalised, mean-pooled embeddings (batched by length, cached on disk when a folder is given). */
  embed(texts: string[]): Promise<Float32Array[]> {
    return this.encoder.embed(texts, { batchSize: 16, cacheDir: this.cacheDir });
  }
}

/** Inputs of {@link trainLlm2VecText}. */
export interface Llm2VecTextInputs {
  /** Training reports (the corpus of MNTP and SimCSE, and of the pruned vocabulary). */
  reports: string[];
  /** Every text the encoder will embed (reports, shuffles, prompts): their tokens join the vocabulary. */
  vocabulary: string[];
  config: PipelineConfig;
  /** Folder of the saved encoder; an existing one is loaded instead of training again. */
  dir: string;
  seed: number;
  progress?: ProgressSink | null;
}

/**
 * Stage 1 text with LLM2Vec: a `tiny` Llama encoder (bidirectional, vocabulary pruned to the corpus, random
 * initialisation — no pretrained Llama is available offline, so every weight trains) trained with MNTP, then
 * unsupervised SimCSE, on the training reports; saved to `dir` (Hugging Face layout) and reloaded from there
 * on the next run.
 */
export async function trainLlm2VecText(inputs: Llm2VecTextInputs): Promise<Llm2VecTextEncoder> {
  const { mntpSteps, simcseSteps } = inputs.config.text;
  const description = `LLM2Vec tiny (MNTP ${mntpSteps} + SimCSE ${simcseSteps} steps, from scratch)`;
  const cacheDir = join(inputs.dir, 'embedding-cache');
  if (existsSync(join(inputs.dir, 'config.json'))) {
    return new Llm2VecTextEncoder(
      await Llm2Vec.load(inputs.dir, { onWarning: () => {} }),
      description,
      cacheDir,
    );
  }
  const encoder = await Llm2Vec.create('tiny', {
    corpus: [...inputs.reports, ...inputs.vocabulary],
    seed: inputs.seed,
    onWarning: () => {},
  });
  const hp = inputs.config.text;
  const bar = (label: string) => {
    let progress: ProgressBar | undefined;
    return ({ step, totalSteps, loss }: { step: number; totalSteps: number; loss: number }) => {
      progress ??= new ProgressBar(label, totalSteps, inputs.progress);
      progress.tick({ loss });
      void step;
    };
  };
  await trainMntp(encoder, inputs.reports, {
    ...stepsOf(hp.mntpSteps, hp.batchSize, inputs.reports.length),
    batchSize: hp.batchSize,
    learningRate: hp.lr,
    seed: inputs.seed,
    onProgress: bar('stage 1 text MNTP'),
  });
  await trainSimCse(encoder, inputs.reports, {
    ...stepsOf(hp.simcseSteps, hp.batchSize, inputs.reports.length),
    batchSize: hp.batchSize,
    learningRate: hp.lr / 3,
    seed: inputs.seed + 1,
    onProgress: bar('stage 1 text SimCSE'),
  });
  await encoder.save(inputs.dir);
  return new Llm2VecTextEncoder(encoder, description, cacheDir);
}

/** Epochs and step cap that make a run of exactly `steps` optimiser steps over `examples` in batches. */
function stepsOf(steps: number, batchSize: number, examples: number): { epochs: number; maxSteps: number } {
  // Full batches only, so that the epochs cover `steps` even when a short last batch is skipped.
  const perEpoch = Math.max(1, Math.floor(examples / batchSize));
  return { epochs: Math.max(1, Math.ceil(steps / perEpoch)), maxSteps: steps };
}
