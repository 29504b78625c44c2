/**
 * renal-volume-io without the file system: parsing and encoding bytes, DICOM from buffers, transforms, the
 * paper's preprocessing and tensors — for browsers and bundlers. Node users import the main entry, which adds
 * `readNifti`, `writeNifti`, `readDicomSeries` and the disk cache.
 *
 * @packageDocumentation
 */
export * from './volume.js';
export * from './errors.js';
export { type DatatypeName, BYTES_PER_VOXEL, datatypeOf } from './datatypes.js';
export { parseNifti, isGzip } from './nifti/parse.js';
export { DEFAULT_MAX_BYTES, type ReadNiftiOptions } from './nifti/assemble.js';
export { encodeNifti, type WriteNiftiOptions } from './nifti/encode.js';
export { type NiftiHeader, parseNiftiHeader } from './nifti/header.js';
export {
  dicomSeriesFromFiles,
  DicomSeriesCollector,
  type DicomFileBytes,
  type DicomVolume,
  type ReadDicomOptions,
} from './dicom/series.js';
export {
  parseDicom,
  isDicom,
  type DicomDataset,
  type DicomElement,
  TAG as DICOM_TAGS,
} from './dicom/parse.js';
export type { Interpolation } from './transforms/interpolate.js';
export {
  axisCodes,
  permuteAxes,
  orientToRAS,
  flip,
  resampleToSpacing,
  resize,
  cropBox,
  cropAroundPoint,
  centerCrop,
  randomCrop,
  randomCropStart,
  type CropAroundOptions,
} from './transforms/spatial.js';
export {
  window,
  windowRange,
  scaleIntensity,
  shiftIntensity,
  adjustGamma,
  randomIntensity,
  randomGamma,
  sampleIntensity,
  sampleGamma,
  type WindowSpec,
  type IntensityParams,
  type RandomIntensityOptions,
  type RandomGammaOptions,
} from './transforms/intensity.js';
export {
  warpAffine,
  randomAffine,
  randomFlip,
  sampleAffine,
  sampleFlip,
  type AffineParams,
  type RandomAffineOptions,
} from './transforms/augment.js';
export {
  Compose,
  keyed,
  Orient,
  Resample,
  Resize,
  CropAround,
  Window,
  CenterCrop,
  RandomCrop,
  RandomAffine,
  RandomIntensity,
  RandomGamma,
  RandomFlip,
  type Transform,
  type RecordTransform,
  type Role,
  type VolumeRecord,
  type KeySpec,
} from './transforms/compose.js';
export { kidneyRegions, type KidneyRegion, type KidneyRegionOptions } from './kits.js';
export { toTensor, toBatchTensor, fromTensor } from './tensor.js';
export {
  KIDNEY_PRESETS,
  kidneyPreset,
  kidneyBase,
  finishKidney,
  preprocessKidney,
  kidneyPipeline,
  type KidneyPreset,
  type PreprocessKidneyOptions,
} from './preprocess.js';
