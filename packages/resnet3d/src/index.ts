/**
 * renal-resnet3d: RenalCLIP's image encoder — a 3-D ResNet family (depths 10–152, shortcut A or B,
 * channels last) with attribute, projection, classification and Cox heads, the masked class-weighted
 * multi-task loss, and import/export of PyTorch state dicts (MedicalNet, MONAI, RenalCLIP naming).
 *
 * @packageDocumentation
 */
export {
  type BlockKind,
  featureWidth,
  RESNET_LAYOUTS,
  type ResNet3dConfig,
  type ResNet3dOptions,
  type ResNetDepth,
  resolveResNet3dConfig,
  type ShortcutType,
  type Triple3,
  type Triple4,
} from './config.js';
export {
  ResNet3dConfigError,
  ResNet3dInputError,
  type ShapeConflict,
  WeightMismatchError,
} from './errors.js';
export { Module } from './module.js';
export { type NamedParam, type ParamLayout, ParamStore } from './params.js';
export { type ApplyOptions, ResNet3d } from './resnet3d.js';
export { RESNET3D_PRESETS, type ResNet3dPreset } from './presets.js';
export {
  AttributeHeads,
  type AttributeHeadsConfig,
  RENAL_ATTRIBUTE_CLASSES,
} from './heads/attribute-heads.js';
export {
  type AttributeLabels,
  balancedClassWeights,
  multiTaskAttributeLoss,
  UNKNOWN_LABEL,
} from './heads/multitask-loss.js';
export { ProjectionHead, type ProjectionHeadConfig } from './heads/projection-head.js';
export { ClassificationHead, type ClassificationHeadConfig } from './heads/classification-head.js';
export { CoxHead, type CoxHeadConfig } from './heads/cox-head.js';
export {
  explainMismatch,
  findBackbonePrefix,
  type InferredArchitecture,
  inferArchitecture,
  inferResNet3dOptions,
} from './weights/architecture.js';
export {
  asFloat32,
  detectPrefix,
  exportTorchStateDict,
  type ImportReport,
  type ImportStateDictOptions,
  importTorchStateDict,
  moduleTensors,
  type TorchTensor,
} from './weights/state-dict.js';
export {
  loadResNet3dCheckpoint,
  loadTorchWeights,
  type ResNet3dCheckpointConfig,
  saveResNet3dCheckpoint,
  saveTorchWeights,
} from './weights/files.js';
