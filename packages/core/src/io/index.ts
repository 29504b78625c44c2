export {
  DTYPE_BYTES,
  elementCount,
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  isSafetensorsDtype,
  type RawTensor,
  type SafetensorsDtype,
  type TensorData,
  toFloat32,
} from './dtypes.js';
export { CheckpointError, SafetensorsError } from './errors.js';
export { writeFileAtomic } from './files.js';
export {
  checkHeaderLength,
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  parseHeader,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-format.js';
export {
  type ReadSafetensorsOptions,
  readSafetensors,
  readSafetensorsHeader,
  readShardedSafetensors,
  type SafetensorsContents,
  writeSafetensors,
} from './safetensors-file.js';
export { float32ToRaw, rawToTensor, tensorToRaw } from './tensors.js';
export {
  CHECKPOINT_FILES,
  type Checkpoint,
  type CheckpointContents,
  checkpointExists,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
