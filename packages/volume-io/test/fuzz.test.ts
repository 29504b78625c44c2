import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDicom, parseNifti, VolumeIoError } from '../src/index.js';
import { sliceFromDataset } from '../src/dicom/pixels.js';

const NIFTI = join(import.meta.dirname, 'fixtures', 'nifti');
const DICOM = join(import.meta.dirname, 'fixtures', 'dicom');
const RUNS = 300;

/** Runs `parse`; passes when it returns or throws one of our typed errors, and checks the allocation bound. */
function onlyTypedErrors(
  parse: (b: Uint8Array) => { data?: ArrayBufferView } | unknown,
  bytes: Uint8Array,
): void {
  try {
    const out = parse(bytes) as { data?: ArrayBufferView; pixels?: ArrayBufferView };
    const buffer = out?.data ?? out?.pixels;
    // Nothing decoded may be larger than the input could hold (deflate expands at most ~1032×).
    if (buffer) expect(buffer.byteLength).toBeLessThanOrEqual(bytes.length * 1032 + 1024);
  } catch (error) {
    if (!(error instanceof VolumeIoError)) throw error;
    expect(error.name).toMatch(/Error$/);
  }
}

/** Byte-level mutations of a valid file: overwrite, truncate, and splice in random bytes. */
function mutations(valid: Uint8Array, focus: number): fc.Arbitrary<Uint8Array> {
  const overwrite = fc
    .array(fc.tuple(fc.nat({ max: focus - 1 }), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 8,
    })
    .map((edits) => {
      const b = valid.slice();
      for (const [at, v] of edits) b[at % b.length] = v;
      return b;
    });
  const truncate = fc.nat({ max: valid.length }).map((n) => valid.slice(0, n));
  const splice = fc
    .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ maxLength: 64 }))
    .map(([at, junk]) => new Uint8Array([...valid.subarray(0, at), ...junk, ...valid.subarray(at)]));
  return fc.oneof(overwrite, truncate, splice);
}

describe('fuzzing the NIfTI parser: only typed errors, no hang, no huge allocation', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (b) => onlyTypedErrors(parseNifti, b)),
      { numRuns: RUNS },
    );
  });

  it('random bytes behind a valid sizeof_hdr (348 / 540, either endianness)', () => {
    const prefix = fc.constantFrom([0x5c, 1, 0, 0], [0, 0, 1, 0x5c], [0x1c, 2, 0, 0]);
    fc.assert(
      fc.property(prefix, fc.uint8Array({ minLength: 340, maxLength: 900 }), (p, rest) =>
        onlyTypedErrors(parseNifti, new Uint8Array([...p, ...rest])),
      ),
      { numRuns: RUNS },
    );
  });

  it('mutations of valid .nii, NIfTI-2 and .nii.gz files (header bytes and gzip stream)', async () => {
    for (const name of ['dtype_int16.nii', 'nifti2_int16.nii', 'big_endian_float32.nii']) {
      const valid = new Uint8Array(await readFile(join(NIFTI, name)));
      fc.assert(
        fc.property(mutations(valid, 360), (b) => onlyTypedErrors(parseNifti, b)),
        { numRuns: RUNS },
      );
    }
    const gz = new Uint8Array(await readFile(join(NIFTI, 'four_d.nii.gz')));
    fc.assert(
      fc.property(mutations(gz, gz.length), (b) => onlyTypedErrors(parseNifti, b)),
      { numRuns: RUNS },
    );
    // Valid gzip of a mutated header: the gzip layer passes, the header checks must catch it.
    const plain = new Uint8Array(await readFile(join(NIFTI, 'dtype_float32.nii')));
    fc.assert(
      fc.property(mutations(plain, 352), (b) => onlyTypedErrors(parseNifti, new Uint8Array(gzipSync(b)))),
      { numRuns: RUNS },
    );
  });

  it('a tiny gzip whose header claims a 540 GB volume fails fast without allocating it', async () => {
    const b = new Uint8Array(await readFile(join(NIFTI, 'dtype_int16.nii')));
    const view = new DataView(b.buffer);
    for (const [at, n] of [
      [42, 30000],
      [44, 30000],
      [46, 300],
    ])
      view.setInt16(at, n, true);
    const started = performance.now();
    expect(() => parseNifti(new Uint8Array(gzipSync(b)), { maxBytes: 2 ** 40 })).toThrow(/truncated/);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('fuzzing the DICOM parser: only typed errors, no hang, no huge allocation', () => {
  const parse = (b: Uint8Array) => sliceFromDataset(parseDicom(b, 'fuzz.dcm'));

  it('random bytes, with and without the DICM preamble', () => {
    const preamble = new Uint8Array(132);
    preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 1500 }), (withPreamble, rest) =>
        onlyTypedErrors(parse, withPreamble ? new Uint8Array([...preamble, ...rest]) : rest),
      ),
      { numRuns: RUNS },
    );
  });

  it('mutations of real files (explicit LE, implicit LE, explicit BE)', async () => {
    for (const name of ['CT_small.dcm', 'MR_small_implicit.dcm', 'MR_small_expb.dcm']) {
      const valid = new Uint8Array(await readFile(join(DICOM, 'single', name)));
      const headerEnd = valid.length - 64 * 64 * 2;
      fc.assert(
        fc.property(mutations(valid, headerEnd), (b) => onlyTypedErrors(parse, b)),
        { numRuns: RUNS },
      );
    }
  });
});
