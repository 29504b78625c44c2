/**
 * Typed errors: every failure to read, write or transform a volume is one of these, so callers can tell bad
 * input from a bug. Each message names the file (or tensor) and the header field or step that went wrong.
 */

/** Base class of every error this package throws on purpose. */
export class VolumeIoError extends Error {
  /** The class name, for `error.name` checks across realms. */
  override name = 'VolumeIoError';
  constructor(
    /** The file, folder or logical name of the thing being read or written. */
    readonly source: string,
    /** The header field, tag or step at fault (e.g. `dim`, `vox_offset`, `(0028,0030) PixelSpacing`). */
    readonly field: string,
    /** What is wrong, in words. */
    readonly problem: string,
  ) {
    super(`${source}: ${field}: ${problem}`);
  }
}

/** A NIfTI file that cannot be read as it stands (bad magic, truncated, impossible header values…). */
export class NiftiError extends VolumeIoError {
  /** The class name, for `error.name` checks across realms. */
  override name = 'NiftiError';
}

/** A NIfTI or DICOM datatype this package does not decode (complex, RGB, compressed transfer syntaxes…). */
export class UnsupportedDataError extends VolumeIoError {
  /** The class name, for `error.name` checks across realms. */
  override name = 'UnsupportedDataError';
}

/** A DICOM file or series that cannot be turned into a volume without guessing. */
export class DicomError extends VolumeIoError {
  /** The class name, for `error.name` checks across realms. */
  override name = 'DicomError';
}

/** A gzip stream that is corrupt or ends early. */
export class GzipError extends VolumeIoError {
  /** The class name, for `error.name` checks across realms. */
  override name = 'GzipError';
}

/** A transform given arguments it cannot honour (e.g. a non-positive target spacing). */
export class TransformError extends VolumeIoError {
  /** The class name, for `error.name` checks across realms. */
  override name = 'TransformError';
}
