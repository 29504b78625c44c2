/**
 * The safetensors format, as pure functions over bytes (no file system), so it serves Node and browsers:
 * `[u64 LE header length N][N bytes of JSON header][data]`, the header mapping each tensor name to
 * `{dtype, shape, data_offsets: [begin, end]}` relative to the data section, plus an optional
 * `__metadata__` map of strings.
 */
import {
  DTYPE_BYTES,
  elementCount,
  isSafetensorsDtype,
  type RawTensor,
  type SafetensorsDtype,
  typedArrayFromBytes,
} from './dtypes.js';
import { SafetensorsError } from './errors.js';

/** Where one tensor lives in a safetensors file. */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range within the data section, `[begin, end)`. */
  dataOffsets: [number, number];
}

/** A parsed, validated safetensors header. */
export interface SafetensorsHeader {
  /** Tensor entries in file order. */
  entries: Map<string, SafetensorsEntry>;
  /** The `__metadata__` map (empty when absent). */
  metadata: Record<string, string>;
  /** Absolute byte offset of the data section (8 + header length). */
  dataStart: number;
}

/** Headers larger than this are refused before they are read (the format's own reference uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Reads the header length from the first 8 bytes and checks it against the file size, before anything
 * is allocated for it. Returns the header's byte length.
 */
export function checkHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || prefix.byteLength < 8)
    throw new SafetensorsError(file, `file is ${fileSize} bytes, too short for a header`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(file, `header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (length > BigInt(fileSize - 8)) {
    throw new SafetensorsError(
      file,
      `header length ${length} runs past the end of the ${fileSize}-byte file`,
    );
  }
  return Number(length);
}

/** Parses and validates the JSON header. `dataSize` is the length of the data section in bytes. */
export function parseHeader(headerBytes: Uint8Array, dataSize: number, file: string): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError(file, 'header is not a JSON object');
  }
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(value, file);
    else entries.set(name, parseEntry(name, value, dataSize, file));
  }
  checkNoOverlap(entries, file);
  return { entries, metadata, dataStart: 8 + headerBytes.byteLength };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(file, '__metadata__ is not an object of strings');
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__.${key} is not a string`);
  }
  return { ...(value as Record<string, string>) };
}

function parseEntry(name: string, value: unknown, dataSize: number, file: string): SafetensorsEntry {
  const fail = (problem: string) => new SafetensorsError(file, problem, name);
  if (value === null || typeof value !== 'object') throw fail('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) throw fail(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw fail(`data_offsets ${JSON.stringify(offsets)} is not an ordered pair of byte offsets`);
  }
  if (offsets[1] > dataSize) {
    throw fail(`data_offsets [${offsets[0]}, ${offsets[1]}] run past the ${dataSize}-byte data section`);
  }
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  if (offsets[1] - offsets[0] !== expected) {
    throw fail(
      `shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets span ${offsets[1] - offsets[0]}`,
    );
  }
  return { dtype, shape: [...shape], dataOffsets: [offsets[0], offsets[1]] };
}

function checkNoOverlap(entries: Map<string, SafetensorsEntry>, file: string): void {
  const sorted = [...entries].filter(([, e]) => e.dataOffsets[1] > e.dataOffsets[0]);
  sorted.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1];
    const [name, entry] = sorted[i];
    if (entry.dataOffsets[0] < prev.dataOffsets[1]) {
      throw new SafetensorsError(file, `data_offsets overlap those of '${prevName}'`, name);
    }
  }
}

/** Decodes a whole safetensors file held in memory. `names` restricts which tensors are copied out. */
export function decodeSafetensors(
  bytes: Uint8Array,
  file = '<memory>',
  names?: readonly string[],
): { tensors: Map<string, RawTensor>; metadata: Record<string, string> } {
  const headerLength = checkHeaderLength(bytes, bytes.byteLength, file);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.byteLength - 8 - headerLength, file);
  const tensors = new Map<string, RawTensor>();
  for (const name of names ?? header.entries.keys()) {
    const entry = header.entries.get(name);
    if (entry === undefined) throw new SafetensorsError(file, 'no such tensor in the file', name);
    const [begin, end] = entry.dataOffsets;
    const raw = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    tensors.set(name, {
      dtype: entry.dtype,
      shape: entry.shape,
      data: typedArrayFromBytes(entry.dtype, raw),
    });
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Encodes tensors (in the given order) and metadata as safetensors bytes. The header is padded with
 * spaces to a multiple of 8 bytes so that every tensor's data is 8-byte aligned, as the reference writer does.
 */
export function encodeSafetensors(
  tensors: Iterable<[string, RawTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === '__metadata__')
      throw new SafetensorsError('<encode>', 'a tensor may not be named __metadata__', name);
    const bytes = rawBytes(name, tensor);
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const withPadding = new Uint8Array(padded).fill(0x20);
    withPadding.set(json);
    json = withPadding;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function rawBytes(name: string, tensor: RawTensor): Uint8Array {
  const expected = elementCount(tensor.shape);
  if (tensor.data.length !== expected) {
    throw new SafetensorsError(
      '<encode>',
      `shape [${tensor.shape.join(', ')}] has ${expected} elements but the data has ${tensor.data.length}`,
      name,
    );
  }
  if (tensor.data.BYTES_PER_ELEMENT !== DTYPE_BYTES[tensor.dtype]) {
    throw new SafetensorsError(
      '<encode>',
      `a ${tensor.data.constructor.name} cannot hold ${tensor.dtype}`,
      name,
    );
  }
  return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}
