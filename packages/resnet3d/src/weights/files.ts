import { loadCheckpoint, readSafetensors, saveCheckpoint, writeSafetensors } from 'renal-core';
import { ResNet3dConfigError } from '../errors.js';
import type { Module } from '../module.js';
import { ResNet3d } from '../resnet3d.js';
import {
  exportTorchStateDict,
  type ImportReport,
  type ImportStateDictOptions,
  importTorchStateDict,
  moduleTensors,
} from './state-dict.js';

/**
 * Loads a PyTorch state dict saved as safetensors (see the README for converting a `.pth`) into a module.
 * Throws `WeightMismatchError` (nothing assigned) when it does not fit, `SafetensorsError` on a bad file.
 */
export async function loadTorchWeights(
  module: Module<unknown>,
  path: string,
  options: Omit<ImportStateDictOptions, 'source' | 'layout'> = {},
): Promise<ImportReport> {
  const { tensors } = await readSafetensors(path);
  return importTorchStateDict(module, tensors, { ...options, source: path });
}

/** Writes a module's weights as a PyTorch state dict (PyTorch names and layouts, float32) in safetensors. */
export async function saveTorchWeights(module: Module<unknown>, path: string, prefix = ''): Promise<void> {
  await writeSafetensors(path, exportTorchStateDict(module, prefix), { format: 'pt' });
}

/** `config.json` of a ResNet3d checkpoint. */
export interface ResNet3dCheckpointConfig {
  className: 'ResNet3d';
  config: ResNet3d['config'];
  /** Tensor layout inside `weights.safetensors`: always our channels-last one. */
  layout: 'channels-last';
}

/**
 * Saves a backbone as a checkpoint folder (`config.json` + `weights.safetensors`, written atomically).
 * Tensors keep their PyTorch state-dict names in our layouts: conv filters `[kd, kh, kw, Cin, Cout]`,
 * batch-norm vectors `[C]`.
 */
export async function saveResNet3dCheckpoint(dir: string, model: ResNet3d): Promise<void> {
  const config: ResNet3dCheckpointConfig = {
    className: 'ResNet3d',
    config: model.getConfig(),
    layout: 'channels-last',
  };
  await saveCheckpoint(dir, {
    config: config as unknown as Record<string, unknown>,
    tensors: moduleTensors(model),
    metadata: { format: 'renal-resnet3d', layout: 'channels-last' },
  });
}

/** Loads a checkpoint written by {@link saveResNet3dCheckpoint} (on whatever backend is active). */
export async function loadResNet3dCheckpoint(dir: string): Promise<ResNet3d> {
  const { config, tensors } = await loadCheckpoint(dir);
  const saved = config as unknown as Partial<ResNet3dCheckpointConfig>;
  if (saved.className !== 'ResNet3d' || saved.config === undefined) {
    throw new ResNet3dConfigError(
      `${dir}: config.json is not a ResNet3d checkpoint (className ${saved.className})`,
    );
  }
  const model = ResNet3d.fromConfig(saved.config);
  try {
    importTorchStateDict(model, tensors, { source: dir, prefix: '', layout: 'channels-last' });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
