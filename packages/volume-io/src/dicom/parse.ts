/**
 * A small DICOM Part 10 parser: file meta, explicit and implicit VR little endian, explicit VR big endian and
 * deflated explicit little endian; sequences are walked (to skip them) but not kept. Only top-level elements are
 * recorded. Every read is bounds-checked, every step advances, and nothing is allocated from a length that the
 * file does not back — so random bytes give a {@link DicomError}, never a hang or a huge allocation.
 */
import { inflateSync } from 'fflate';
import { DicomError, UnsupportedDataError } from '../errors.js';

/** Transfer syntaxes whose pixel data this parser reads directly. */
export const NATIVE_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
};

/** Names of common compressed transfer syntaxes (for errors). */
const COMPRESSED_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** Explicit VRs with a 2-byte reserved field and a 4-byte length. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** VRs of the tags this package interprets, for implicit VR files. */
const IMPLICIT_VRS: Record<number, string> = {
  131088: 'UI',
  524310: 'UI',
  524312: 'UI',
  524384: 'CS',
  528446: 'LO',
  1572944: 'DS',
  2097166: 'UI',
  2097171: 'IS',
  2097202: 'DS',
  2097207: 'DS',
  2621442: 'US',
  2621444: 'CS',
  2621448: 'IS',
  2621456: 'US',
  2621457: 'US',
  2621488: 'DS',
  2621696: 'US',
  2621697: 'US',
  2621699: 'US',
  2625618: 'DS',
  2625619: 'DS',
  2145386512: 'OW',
};

/** Tags used by this package, by name. */
export const TAG = {
  /** (0002,0010) TransferSyntaxUID. */
  TransferSyntaxUID: 0x00020010,
  /** (0008,0016) SOPClassUID. */
  SOPClassUID: 0x00080016,
  /** (0008,0018) SOPInstanceUID. */
  SOPInstanceUID: 0x00080018,
  /** (0008,0060) Modality. */
  Modality: 0x00080060,
  /** (0008,103E) SeriesDescription. */
  SeriesDescription: 0x0008103e,
  /** (0018,0050) SliceThickness. */
  SliceThickness: 0x00180050,
  /** (0020,000E) SeriesInstanceUID. */
  SeriesInstanceUID: 0x0020000e,
  /** (0020,0013) InstanceNumber. */
  InstanceNumber: 0x00200013,
  /** (0020,0032) ImagePositionPatient. */
  ImagePositionPatient: 0x00200032,
  /** (0020,0037) ImageOrientationPatient. */
  ImageOrientationPatient: 0x00200037,
  /** (0028,0002) SamplesPerPixel. */
  SamplesPerPixel: 0x00280002,
  /** (0028,0004) PhotometricInterpretation. */
  PhotometricInterpretation: 0x00280004,
  /** (0028,0008) NumberOfFrames. */
  NumberOfFrames: 0x00280008,
  /** (0028,0010) Rows. */
  Rows: 0x00280010,
  /** (0028,0011) Columns. */
  Columns: 0x00280011,
  /** (0028,0030) PixelSpacing. */
  PixelSpacing: 0x00280030,
  /** (0028,0100) BitsAllocated. */
  BitsAllocated: 0x00280100,
  /** (0028,0101) BitsStored. */
  BitsStored: 0x00280101,
  /** (0028,0103) PixelRepresentation. */
  PixelRepresentation: 0x00280103,
  /** (0028,1052) RescaleIntercept. */
  RescaleIntercept: 0x00281052,
  /** (0028,1053) RescaleSlope. */
  RescaleSlope: 0x00281053,
  /** (7FE0,0010) PixelData. */
  PixelData: 0x7fe00010,
} as const;

const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
const MAX_NESTING = 32;

/** One recorded element: its VR and its value bytes (a view into the file). */
export interface DicomElement {
  /** Value representation (from the file, or the dictionary for implicit VR). */
  vr: string;
  /** The value bytes (a view into the file). */
  value: Uint8Array;
}

/** A parsed DICOM file: its transfer syntax and its top-level elements by tag. */
export interface DicomDataset {
  /** File name used in errors. */
  source: string;
  /** (0002,0010) TransferSyntaxUID (guessed for files without meta). */
  transferSyntax: string;
  /** Byte order of the dataset. */
  littleEndian: boolean;
  /** Top-level elements by tag (group << 16 | element). */
  elements: Map<number, DicomElement>;
}

/** `(gggg,eeee)` of a tag. */
export function tagName(tag: number): string {
  const hex = (tag >>> 0).toString(16).padStart(8, '0').toUpperCase();
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

class Cursor {
  pos = 0;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
    readonly littleEndian: boolean,
    readonly explicit: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) {
      throw new DicomError(
        this.source,
        what,
        `truncated: needs ${n} bytes at offset ${this.pos}, file has ${this.bytes.length}`,
      );
    }
  }
  u16(at: number): number {
    return this.view.getUint16(at, this.littleEndian);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }
}

function readTag(c: Cursor): number {
  c.need(8, 'element header');
  return ((c.u16(c.pos) << 16) | c.u16(c.pos + 2)) >>> 0;
}

/**
 * Reads one element header at the cursor; returns tag, VR and length and leaves the cursor on the value.
 * Item and delimiter tags carry no VR in any syntax.
 */
function readElementHeader(c: Cursor): { tag: number; vr: string; length: number } {
  const tag = readTag(c);
  const group = tag >>> 16;
  if (c.explicit && group !== 0xfffe) {
    const vr = String.fromCharCode(c.bytes[c.pos + 4], c.bytes[c.pos + 5]);
    if (!/^[A-Z]{2}$/.test(vr))
      throw new DicomError(c.source, tagName(tag), `invalid VR ${JSON.stringify(vr)} at offset ${c.pos}`);
    if (LONG_VRS.has(vr)) {
      c.need(12, tagName(tag));
      const length = c.u32(c.pos + 8);
      c.pos += 12;
      return { tag, vr, length };
    }
    const length = c.u16(c.pos + 6);
    c.pos += 8;
    return { tag, vr, length };
  }
  const length = c.u32(c.pos + 4);
  c.pos += 8;
  return { tag, vr: IMPLICIT_VRS[tag] ?? 'UN', length };
}

/** Walks a dataset until `end` or the delimiter `stopAt`; records elements when `into` is given. */
function walkDataset(
  c: Cursor,
  end: number,
  depth: number,
  into?: Map<number, DicomElement>,
  stopAt?: number,
): void {
  if (depth > MAX_NESTING)
    throw new DicomError(c.source, 'SQ', `sequences nested deeper than ${MAX_NESTING}`);
  while (c.pos < end) {
    const { tag, vr, length } = readElementHeader(c);
    if (tag === stopAt) return;
    if (length === UNDEFINED) {
      if (tag === TAG.PixelData) {
        throw new UnsupportedDataError(c.source, tagName(tag), 'encapsulated (compressed) pixel data');
      }
      if (c.explicit && vr === 'UN') {
        // An explicit-VR file's UN of undefined length holds an implicit-VR-little-endian sequence.
        const inner = new Cursor(c.bytes, c.source, true, false);
        inner.pos = c.pos;
        skipUndefinedSequence(inner, end, depth + 1);
        c.pos = inner.pos;
      } else skipUndefinedSequence(c, end, depth + 1);
      continue;
    }
    if (c.pos + length > end) {
      throw new DicomError(
        c.source,
        tagName(tag),
        `truncated: value of ${length} bytes at offset ${c.pos} runs past the end (${end})`,
      );
    }
    if (into && !into.has(tag)) into.set(tag, { vr, value: c.bytes.subarray(c.pos, c.pos + length) });
    c.pos += length;
  }
  if (stopAt !== undefined)
    throw new DicomError(c.source, 'SQ', 'truncated: sequence or item delimiter missing');
}

/** Skips a sequence of undefined length: items (defined or not) up to the sequence delimiter. */
function skipUndefinedSequence(c: Cursor, end: number, depth: number): void {
  while (true) {
    const tag = readTag(c);
    const length = c.u32(c.pos + 4);
    c.pos += 8;
    if (tag === SEQUENCE_END) return;
    if (tag !== ITEM)
      throw new DicomError(c.source, tagName(tag), `expected an item in a sequence at offset ${c.pos - 8}`);
    if (length === UNDEFINED) walkDataset(c, end, depth, undefined, ITEM_END);
    else {
      if (c.pos + length > end)
        throw new DicomError(c.source, 'item', `truncated: item of ${length} bytes at offset ${c.pos}`);
      c.pos += length;
    }
  }
}

function decodeText(value: Uint8Array): string {
  let s = '';
  for (const b of value) s += String.fromCharCode(b);
  return s.replace(/[\0 ]+$/, '').trim();
}

function hasPreamble(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

/** Looks like a dataset without a preamble: a small even group number at the start. */
function looksLikeBareDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0] | (bytes[1] << 8);
  return group === 0x0002 || group === 0x0008;
}

/** True when the bytes look like DICOM (preamble `DICM`, or a bare dataset starting at group 0002/0008). */
export function isDicom(bytes: Uint8Array): boolean {
  return hasPreamble(bytes) || looksLikeBareDataset(bytes);
}

/** Parses a DICOM file's top-level elements (pixel data as a view, not decoded). */
export function parseDicom(bytes: Uint8Array, source: string): DicomDataset {
  if (!isDicom(bytes)) throw new DicomError(source, 'preamble', 'not a DICOM file (no "DICM" at byte 128)');
  let c = new Cursor(bytes, source, true, true);
  c.pos = hasPreamble(bytes) ? 132 : 0;
  const meta = new Map<number, DicomElement>();
  // File meta (group 0002) is always explicit VR little endian.
  while (c.pos + 8 <= bytes.length && c.u16(c.pos) === 0x0002) {
    const start = c.pos;
    walkOne(c, meta);
    if (c.pos <= start) break;
  }
  let transferSyntax = meta.has(TAG.TransferSyntaxUID)
    ? decodeText(meta.get(TAG.TransferSyntaxUID)!.value)
    : '';
  if (!transferSyntax) transferSyntax = guessSyntax(bytes, c.pos);
  checkSyntax(transferSyntax, source);
  let body = bytes;
  let start = c.pos;
  if (transferSyntax === '1.2.840.10008.1.2.1.99') {
    body = inflate(bytes.subarray(c.pos), source);
    start = 0;
  }
  const littleEndian = transferSyntax !== '1.2.840.10008.1.2.2';
  const explicit = transferSyntax !== '1.2.840.10008.1.2';
  c = new Cursor(body, source, littleEndian, explicit);
  c.pos = start;
  const elements = new Map<number, DicomElement>(meta);
  walkDataset(c, body.length, 0, elements);
  return { source, transferSyntax, littleEndian, elements };
}

function walkOne(c: Cursor, into: Map<number, DicomElement>): void {
  const { tag, vr, length } = readElementHeader(c);
  if (length === UNDEFINED || c.pos + length > c.bytes.length) {
    throw new DicomError(c.source, tagName(tag), 'bad length in file meta information');
  }
  into.set(tag, { vr, value: c.bytes.subarray(c.pos, c.pos + length) });
  c.pos += length;
}

/** Files without a meta header: explicit VR if bytes 4–5 read as a VR, else implicit (both little endian). */
function guessSyntax(bytes: Uint8Array, at: number): string {
  if (at + 6 > bytes.length) return '1.2.840.10008.1.2';
  const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
  return /^[A-Z]{2}$/.test(vr) ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
}

function checkSyntax(uid: string, source: string): void {
  if (NATIVE_SYNTAXES[uid]) return;
  const name = COMPRESSED_SYNTAXES[uid] ?? 'an unsupported transfer syntax';
  throw new UnsupportedDataError(
    source,
    '(0002,0010) TransferSyntaxUID',
    `${name} (${uid}) is not decoded; convert the series to uncompressed, e.g. \`gdcmconv --raw\` or \`dcmdjpeg\``,
  );
}

function inflate(bytes: Uint8Array, source: string): Uint8Array {
  try {
    return inflateSync(bytes);
  } catch (error) {
    throw new DicomError(source, 'deflated dataset', `corrupt deflate stream (${(error as Error).message})`);
  }
}

/** A text element's value, or undefined. */
export function getString(ds: DicomDataset, tag: number): string | undefined {
  const el = ds.elements.get(tag);
  return el ? decodeText(el.value) : undefined;
}

/** A numeric string (DS/IS) element's values, or undefined; throws when a value is not a number. */
export function getNumbers(ds: DicomDataset, tag: number, name: string): number[] | undefined {
  const text = getString(ds, tag);
  if (text === undefined || text === '') return undefined;
  const values = text.split('\\').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v))) {
    throw new DicomError(
      ds.source,
      `${tagName(tag)} ${name}`,
      `not a list of numbers: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return values;
}

/** An unsigned short (US) element's first value, or undefined. */
export function getUint16(ds: DicomDataset, tag: number): number | undefined {
  const el = ds.elements.get(tag);
  if (!el || el.value.length < 2) return undefined;
  return new DataView(el.value.buffer, el.value.byteOffset, 2).getUint16(0, ds.littleEndian);
}
