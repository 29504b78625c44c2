/**
 * One DICOM image's geometry and pixels, from a parsed dataset.
 */
import { DicomError, UnsupportedDataError } from '../errors.js';
import { type DicomDataset, getNumbers, getString, getUint16, TAG, tagName } from './parse.js';

/** What a slice contributes to a series: geometry, rescale and the raw pixel values. */
export interface DicomSlice {
  source: string;
  seriesInstanceUid: string;
  seriesDescription: string;
  modality: string;
  instanceNumber: number | undefined;
  rows: number;
  columns: number;
  /** (0028,0030): spacing between rows, then between columns (mm). */
  pixelSpacing: [number, number] | undefined;
  /** (0020,0037): row direction cosines then column direction cosines (LPS). */
  orientation: number[] | undefined;
  /** (0020,0032): the first voxel's centre (LPS, mm). */
  position: number[] | undefined;
  sliceThickness: number | undefined;
  slope: number;
  intercept: number;
  /** Stored pixel values, row by row (columns fastest). */
  pixels: Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
  /** Source datatype name, e.g. `int16`. */
  datatype: string;
}

function required(ds: DicomDataset, tag: number, name: string): number {
  const v = getUint16(ds, tag);
  if (v === undefined) throw new DicomError(ds.source, `${tagName(tag)} ${name}`, 'missing');
  return v;
}

/** Geometry, rescale and decoded pixels of one single-frame greyscale image. */
export function sliceFromDataset(ds: DicomDataset): DicomSlice {
  const source = ds.source;
  const samples = getUint16(ds, TAG.SamplesPerPixel) ?? 1;
  if (samples !== 1) {
    throw new UnsupportedDataError(
      source,
      '(0028,0002) SamplesPerPixel',
      `${samples} samples per pixel (colour) is not a CT image`,
    );
  }
  const frames = getNumbers(ds, TAG.NumberOfFrames, 'NumberOfFrames')?.[0] ?? 1;
  if (frames !== 1) {
    throw new UnsupportedDataError(
      source,
      '(0028,0008) NumberOfFrames',
      `multi-frame images (${frames} frames) are not supported`,
    );
  }
  const rows = required(ds, TAG.Rows, 'Rows');
  const columns = required(ds, TAG.Columns, 'Columns');
  if (rows === 0 || columns === 0)
    throw new DicomError(source, '(0028,0010) Rows/Columns', 'zero-sized image');
  const bitsAllocated = required(ds, TAG.BitsAllocated, 'BitsAllocated');
  const bitsStored = getUint16(ds, TAG.BitsStored) ?? bitsAllocated;
  const signed = (getUint16(ds, TAG.PixelRepresentation) ?? 0) === 1;
  const pixelData = ds.elements.get(TAG.PixelData);
  if (!pixelData) throw new DicomError(source, '(7FE0,0010) PixelData', 'missing');
  const { pixels, datatype } = decodePixels(
    pixelData.value,
    rows * columns,
    bitsAllocated,
    bitsStored,
    signed,
    ds,
  );
  const spacing = getNumbers(ds, TAG.PixelSpacing, 'PixelSpacing');
  if (spacing && (spacing.length < 2 || !(spacing[0] > 0) || !(spacing[1] > 0))) {
    throw new DicomError(
      source,
      '(0028,0030) PixelSpacing',
      `must be two positive numbers, found ${spacing.join('\\')}`,
    );
  }
  const orientation = getNumbers(ds, TAG.ImageOrientationPatient, 'ImageOrientationPatient');
  if (orientation && orientation.length !== 6) {
    throw new DicomError(
      source,
      '(0020,0037) ImageOrientationPatient',
      `needs 6 values, found ${orientation.length}`,
    );
  }
  const position = getNumbers(ds, TAG.ImagePositionPatient, 'ImagePositionPatient');
  if (position && position.length !== 3) {
    throw new DicomError(
      source,
      '(0020,0032) ImagePositionPatient',
      `needs 3 values, found ${position.length}`,
    );
  }
  return {
    source,
    seriesInstanceUid: getString(ds, TAG.SeriesInstanceUID) ?? '',
    seriesDescription: getString(ds, TAG.SeriesDescription) ?? '',
    modality: getString(ds, TAG.Modality) ?? '',
    instanceNumber: getNumbers(ds, TAG.InstanceNumber, 'InstanceNumber')?.[0],
    rows,
    columns,
    pixelSpacing: spacing ? [spacing[0], spacing[1]] : undefined,
    orientation,
    position,
    sliceThickness: getNumbers(ds, TAG.SliceThickness, 'SliceThickness')?.[0],
    slope: getNumbers(ds, TAG.RescaleSlope, 'RescaleSlope')?.[0] ?? 1,
    intercept: getNumbers(ds, TAG.RescaleIntercept, 'RescaleIntercept')?.[0] ?? 0,
    pixels,
    datatype,
  };
}

function decodePixels(
  value: Uint8Array,
  count: number,
  bitsAllocated: number,
  bitsStored: number,
  signed: boolean,
  ds: DicomDataset,
): { pixels: DicomSlice['pixels']; datatype: string } {
  if (![8, 16, 32].includes(bitsAllocated)) {
    throw new UnsupportedDataError(
      ds.source,
      '(0028,0100) BitsAllocated',
      `${bitsAllocated} bits per pixel is not supported`,
    );
  }
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    throw new DicomError(
      ds.source,
      '(0028,0101) BitsStored',
      `${bitsStored} is not within 1..${bitsAllocated}`,
    );
  }
  const width = bitsAllocated / 8;
  if (value.length < count * width) {
    throw new DicomError(
      ds.source,
      '(7FE0,0010) PixelData',
      `holds ${value.length} bytes, Rows × Columns needs ${count * width}`,
    );
  }
  const copy = value.slice(0, count * width);
  const view = new DataView(copy.buffer);
  const le = ds.littleEndian;
  const datatype = `${signed ? 'int' : 'uint'}${bitsAllocated}`;
  let pixels: DicomSlice['pixels'];
  if (width === 1) pixels = signed ? new Int8Array(copy.buffer) : copy;
  else if (width === 2) {
    pixels = signed ? new Int16Array(count) : new Uint16Array(count);
    for (let n = 0; n < count; n++) pixels[n] = signed ? view.getInt16(2 * n, le) : view.getUint16(2 * n, le);
  } else {
    pixels = signed ? new Int32Array(count) : new Uint32Array(count);
    for (let n = 0; n < count; n++) pixels[n] = signed ? view.getInt32(4 * n, le) : view.getUint32(4 * n, le);
  }
  if (bitsStored < bitsAllocated) keepStoredBits(pixels, bitsStored, signed);
  return { pixels, datatype };
}

/** Drops bits above BitsStored (overlays, garbage) and sign-extends signed values from BitsStored. */
function keepStoredBits(pixels: DicomSlice['pixels'], bitsStored: number, signed: boolean): void {
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  const signBit = 2 ** (bitsStored - 1);
  for (let n = 0; n < pixels.length; n++) {
    let v = (pixels[n] >>> 0) % (mask + 1);
    if (signed && v >= signBit) v -= 2 * signBit;
    pixels[n] = v;
  }
}
