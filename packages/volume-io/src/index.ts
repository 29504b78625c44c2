/**
 * renal-volume-io: CT volumes in (NIfTI-1/2, DICOM CT series), the RenalCLIP preprocessing as composable
 * transforms, and out to tensors.
 *
 * @packageDocumentation
 */
export * from './volume.js';
export * from './errors.js';
export { type DatatypeName, BYTES_PER_VOXEL } from './datatypes.js';
export { readNifti, parseNifti, isGzip } from './nifti/read.js';
export { DEFAULT_MAX_BYTES, type ReadNiftiOptions } from './nifti/assemble.js';
export { writeNifti, encodeNifti, datatypeOf, type WriteNiftiOptions } from './nifti/write.js';
export { type NiftiHeader, parseNiftiHeader } from './nifti/header.js';
export { readDicomSeries, type DicomVolume, type ReadDicomOptions } from './dicom/series.js';
export {
  parseDicom,
  isDicom,
  type DicomDataset,
  type DicomElement,
  TAG as DICOM_TAGS,
} from './dicom/parse.js';
