import type { Command } from 'commander';
import { type BackendName, initBackend } from 'renal-core';
import { exportEmbeddings, Llm2Vec, toEmbeddingTable } from 'renal-llm2vec';
import { CliError, emit } from '../command.js';

interface EmbedTextFlags {
  model: string;
  in: string;
  out: string;
  field: string;
  idField: string;
  instruction?: string;
  batchSize: string;
  cache?: string;
  backend: string;
  json?: boolean;
}

/** One line for the terminal. */
const oneLine = (error: Error) =>
  error.message
    .split('\n')
    .map((l) => l.trim())
    .join(' | ');

/** Reads `{id, <field>}` objects from a JSON-lines file; every problem names the file and line. */
export async function readTextsJsonl(
  path: string,
  field: string,
  idField: string,
): Promise<{ ids: string[]; texts: string[] }> {
  const { readFile } = await import('node:fs/promises');
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `embed-text: ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const ids: string[] = [];
  const texts: string[] = [];
  content.split('\n').forEach((line, i) => {
    if (line.trim().length === 0) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      throw new CliError(`embed-text: ${path}:${i + 1}: not valid JSON`);
    }
    const text = row?.[field];
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw new CliError(`embed-text: ${path}:${i + 1}: field '${field}' is missing or empty`);
    }
    const id = row[idField];
    ids.push(typeof id === 'string' || typeof id === 'number' ? String(id) : String(ids.length));
    texts.push(text);
  });
  if (texts.length === 0) throw new CliError(`embed-text: ${path}: no texts`);
  return { ids, texts };
}

async function embedText(flags: EmbedTextFlags): Promise<void> {
  const batchSize = Number(flags.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new CliError(`embed-text: --batch-size must be a positive integer, got '${flags.batchSize}'`);
  }
  if (!/\.(safetensors|npy)$/.test(flags.out)) {
    throw new CliError(`embed-text: --out must end in .safetensors or .npy, got '${flags.out}'`);
  }
  const { ids, texts } = await readTextsJsonl(flags.in, flags.field, flags.idField);
  let encoder: Llm2Vec;
  try {
    await initBackend(flags.backend as BackendName);
    encoder = await Llm2Vec.load(flags.model, {
      onWarning: (m) => process.stderr.write(`renal-clip: ${m}\n`),
    });
  } catch (error) {
    throw new CliError(`embed-text: ${flags.model}: ${oneLine(error as Error)}`);
  }
  try {
    const started = Date.now();
    const vectors = await encoder.embed(texts, {
      batchSize,
      instruction: flags.instruction,
      cacheDir: flags.cache,
    });
    const modelHash = await encoder.modelHash();
    await exportEmbeddings(flags.out, toEmbeddingTable(ids, vectors), {
      model: flags.model,
      model_hash: modelHash,
    });
    const result = {
      out: flags.out,
      count: vectors.length,
      dim: encoder.model.config.hiddenSize,
      modelHash,
      seconds: (Date.now() - started) / 1000,
    };
    emit(
      result,
      flags,
      () =>
        `${result.count} texts → ${result.out} (${result.dim}-d, L2-normalised; model ${modelHash}; ${result.seconds.toFixed(1)} s)`,
    );
  } catch (error) {
    throw error instanceof CliError ? error : new CliError(`embed-text: ${oneLine(error as Error)}`);
  } finally {
    encoder.dispose();
  }
}

/** `renal-clip embed-text --model DIR --in reports.jsonl --out emb.safetensors`: LLM2Vec text embeddings. */
export function registerEmbedText(program: Command): void {
  program
    .command('embed-text')
    .description(
      'embed report texts with an LLM2Vec encoder folder (Hugging Face Llama layout + llm2vec.json); writes L2-normalised vectors with their ids',
    )
    .requiredOption(
      '--model <dir>',
      'encoder folder (config.json, model.safetensors, optional llm2vec.json, tokenizer.json, adapter/)',
    )
    .requiredOption('--in <file>', 'JSON lines, one object per text')
    .requiredOption(
      '--out <file>',
      'output: .safetensors (tensor "embeddings", ids in metadata) or .npy (+ .ids.json)',
    )
    .option('--field <name>', 'field holding the text', 'report')
    .option('--id-field <name>', 'field holding the id (default: line order)', 'id')
    .option('--instruction <text>', 'task instruction prepended to every text (excluded from pooling)')
    .option('--batch-size <n>', 'texts per forward pass', '8')
    .option('--cache <dir>', 'on-disk embedding cache (keyed by model hash + text)')
    .option('--backend <name>', 'auto, wasm, cpu, webgpu, tensorflow', 'auto')
    .option('--json', 'print one JSON object')
    .action((flags: EmbedTextFlags) => embedText(flags));
}
