import {
  type RawTensor,
  readSafetensors,
  readSafetensorsHeader,
  toFloat32,
  writeSafetensors,
} from 'renal-core';
import { type LlamaConfig, parseLlamaConfig, toHfConfig } from './config.js';
import { ConfigError, WeightsError } from './errors.js';
import { LoraAdapter, parsePeftConfig } from './lora.js';
import { assertFits, availableMemory, estimateMemory } from './memory.js';
import { LlamaModel } from './model.js';
import { type HostTensor, weightsFromHost, weightsToHost } from './weights.js';

/** Weight files tried, in order, inside a model folder. */
const WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'weights.safetensors'];

async function exists(path: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readJson(path: string, ErrorType: new (m: string) => Error): Promise<Record<string, unknown>> {
  const { readFile } = await import('node:fs/promises');
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ErrorType(`${path}: cannot read JSON (${(error as Error).message})`);
  }
}

/** Reads a model folder's `config.json`. */
export async function readLlamaConfig(dir: string, onWarning?: (m: string) => void): Promise<LlamaConfig> {
  const { join } = await import('node:path');
  const path = join(dir, 'config.json');
  return parseLlamaConfig(await readJson(path, ConfigError), { source: path, onWarning });
}

/** The weight file of a model folder (single file, shard index, or renal checkpoint). */
export async function findWeightFile(dir: string): Promise<string> {
  const { join } = await import('node:path');
  for (const name of WEIGHT_FILES) if (await exists(join(dir, name))) return join(dir, name);
  throw new WeightsError(`${dir}: no ${WEIGHT_FILES.join(' or ')} found`);
}

/** Decodes stored tensors to float32 host tensors (BF16/F16 widened). */
export function rawToHost(tensors: ReadonlyMap<string, RawTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) out.set(name, { shape: t.shape, data: toFloat32(t) });
  return out;
}

async function sourceBytesPerParameter(file: string): Promise<number> {
  if (file.endsWith('.index.json')) return 2;
  const header = await readSafetensorsHeader(file);
  const first = header.entries.values().next().value;
  return first?.dtype === 'F32' ? 4 : 2;
}

/**
 * Loads a Hugging Face Llama folder (`config.json` + `model.safetensors` or a sharded
 * `model.safetensors.index.json`; F32, F16 or BF16) onto the active backend. The memory it needs is
 * estimated first and a {@link ModelTooLargeError} thrown if the backend cannot hold it.
 */
export async function loadLlamaModel(
  dir: string,
  options: { onWarning?: (m: string) => void; availableBytes?: number; config?: LlamaConfig } = {},
): Promise<LlamaModel> {
  const config = options.config ?? (await readLlamaConfig(dir, options.onWarning));
  const file = await findWeightFile(dir);
  const estimate = estimateMemory(config, { sourceBytesPerParameter: await sourceBytesPerParameter(file) });
  assertFits(estimate, options.availableBytes ?? (await availableMemory()), dir);
  const { tensors } = await readSafetensors(file);
  return new LlamaModel(config, weightsFromHost(rawToHost(tensors), config, file));
}

/** Writes a model as a Hugging Face LlamaModel folder: `config.json` + `model.safetensors` (F32). */
export async function saveLlamaModel(
  dir: string,
  model: LlamaModel,
  extraConfig: Record<string, unknown> = {},
): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of await weightsToHost(model.weights))
    tensors.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  await writeFile(
    join(dir, 'config.json'),
    `${JSON.stringify({ ...toHfConfig(model.config), ...extraConfig }, null, 2)}\n`,
  );
}

/** Loads a PEFT LoRA folder (`adapter_config.json` + `adapter_model.safetensors`) onto a model. */
export async function loadLoraAdapter(dir: string, model: LlamaModel): Promise<LoraAdapter> {
  const { join } = await import('node:path');
  const configPath = join(dir, 'adapter_config.json');
  const loraConfig = parsePeftConfig(await readJson(configPath, WeightsError), configPath);
  const file = join(dir, 'adapter_model.safetensors');
  const { tensors } = await readSafetensors(file);
  model.lora?.dispose();
  model.lora = LoraAdapter.fromPeft(model.config, loraConfig, rawToHost(tensors), file);
  return model.lora;
}

/** Saves a LoRA adapter in PEFT's layout and naming, loadable by `PeftModel.from_pretrained`. */
export async function saveLoraAdapter(dir: string, adapter: LoraAdapter, baseModel = ''): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of await adapter.toPeft())
    tensors.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
  await writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  await writeFile(
    join(dir, 'adapter_config.json'),
    `${JSON.stringify(adapter.peftConfig(baseModel), null, 2)}\n`,
  );
}
