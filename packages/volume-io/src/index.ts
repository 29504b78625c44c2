/**
 * renal-volume-io: CT volumes in (NIfTI-1/2, DICOM CT series), the RenalCLIP preprocessing as composable
 * transforms, and out to tensors. This entry is for Node (it reads and writes files); `renal-volume-io/browser`
 * has everything that works on bytes.
 *
 * @packageDocumentation
 */
export * from './browser.js';
export { readNifti } from './nifti/read.js';
export { writeNifti } from './nifti/write.js';
export { readDicomSeries } from './dicom/read.js';
export { PreprocessCache, hashFile, stableStringify } from './cache.js';
