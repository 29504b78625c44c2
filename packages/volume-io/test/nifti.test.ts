import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeNifti,
  GzipError,
  NiftiError,
  parseNifti,
  readNifti,
  UnsupportedDataError,
  type Volume,
  writeNifti,
} from '../src/index.js';
import { affineToQform } from '../src/nifti/affine.js';
import { NiftiAssembler } from '../src/nifti/assemble.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'nifti');

interface Case {
  file: string;
  datatype: string;
  shape: number[];
  spacing: number[];
  affine: number[][];
  data: (number | null)[];
  volume_index?: number;
  non_finite?: number;
}
interface Expected {
  cases: Case[];
  qforms: { affine: number[][]; quatern: number[]; pixdim: number[]; qform_affine: number[][] }[];
}

const expected: Expected = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8'));

function expectClose(actual: ArrayLike<number>, wanted: ArrayLike<number | null>, tol: number): void {
  expect(actual.length).toBe(wanted.length);
  for (let n = 0; n < wanted.length; n++) {
    const w = wanted[n];
    if (w === null) expect(Number.isFinite(actual[n])).toBe(false);
    else expect(Math.abs(actual[n] - w)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  }
}

describe('readNifti agrees with nibabel', () => {
  for (const c of expected.cases) {
    it(c.file, async () => {
      const v = await readNifti(join(FIXTURES, c.file), { volumeIndex: c.volume_index });
      expect(v.shape).toEqual(c.shape);
      expect(v.datatype).toBe(c.datatype);
      expectClose(v.spacing, c.spacing, 1e-6);
      expectClose(v.affine.flat(), c.affine.flat(), 1e-6);
      expectClose(v.data, c.data, 1e-6);
      expect(v.nonFiniteCount).toBe(c.non_finite);
    });
  }

  it('decodes the same whatever the stream chunking (scaled voxels split across chunks)', async () => {
    for (const c of expected.cases.filter((x) =>
      ['scaled_int16.nii', 'big_endian_float32.nii'].includes(x.file),
    )) {
      const bytes = new Uint8Array(await readFile(join(FIXTURES, c.file)));
      for (const step of [1, 3, 7, 100]) {
        const assembler = new NiftiAssembler(c.file, {}, bytes.length);
        for (let at = 0; at < bytes.length; at += step) assembler.push(bytes.subarray(at, at + step));
        expectClose(assembler.finish().data, c.data, 1e-6);
      }
    }
  });

  it('reads multi-member gzip (the trailer then counts only the last member)', async () => {
    const c = expected.cases.find((x) => x.file === 'dtype_int16.nii')!;
    const plain = new Uint8Array(await readFile(join(FIXTURES, c.file)));
    const members = Buffer.concat([gzipSync(plain.subarray(0, 400)), gzipSync(plain.subarray(400))]);
    expectClose(parseNifti(members).data, c.data, 0);
    const dir = await mkdtemp(join(tmpdir(), 'vio-multi-'));
    try {
      await writeFile(join(dir, 'multi.nii.gz'), members);
      expectClose((await readNifti(join(dir, 'multi.nii.gz'))).data, c.data, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses the same bytes from memory (plain and gzipped)', async () => {
    for (const c of expected.cases.filter((x) => x.file.includes('gz') || x.file.includes('dtype_int16'))) {
      const v = parseNifti(await readFile(join(FIXTURES, c.file)), { volumeIndex: c.volume_index });
      expectClose(v.data, c.data, 1e-6);
      expectClose(v.affine.flat(), c.affine.flat(), 1e-6);
    }
  });
});

describe('bad NIfTI input gets typed errors naming file and field', () => {
  let dir: string;
  let good: Uint8Array;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vio-nifti-'));
    good = new Uint8Array(await readFile(join(FIXTURES, 'dtype_int16.nii')));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function failsWith(
    bytes: Uint8Array,
    type: new (...a: never[]) => Error,
    field: RegExp,
  ): Promise<void> {
    const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.nii`);
    await writeFile(path, bytes);
    const error = await readNifti(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(String((error as Error).message)).toContain(path);
    expect(String((error as Error).message)).toMatch(field);
    expect(() => parseNifti(bytes)).toThrow(type);
  }

  it('complex data is unsupported', async () => {
    await failsWith(
      await readFile(join(FIXTURES, 'complex64.nii')),
      UnsupportedDataError,
      /datatype.*complex64/,
    );
  });
  it('wrong magic and wrong header size', async () => {
    const b = good.slice();
    b[344] = 0x78;
    await failsWith(b, NiftiError, /magic/);
    await failsWith(new TextEncoder().encode('hello, not a nifti file at all'), NiftiError, /sizeof_hdr/);
  });
  it('truncated header and truncated data', async () => {
    await failsWith(good.slice(0, 200), NiftiError, /header.*truncated/);
    await failsWith(good.slice(0, good.length - 10), NiftiError, /dim.*needs/);
  });
  it('dimensions beyond the file or the limit', async () => {
    const b = good.slice();
    new DataView(b.buffer).setInt16(42, 30000, true);
    new DataView(b.buffer).setInt16(44, 30000, true);
    await failsWith(b, NiftiError, /dim/);
  });
  it('zero or negative spacing, bad dim, bad vox_offset', async () => {
    const zero = good.slice();
    new DataView(zero.buffer).setFloat32(80, 0, true);
    await failsWith(zero, NiftiError, /pixdim\[1\]/);
    const neg = good.slice();
    new DataView(neg.buffer).setFloat32(88, -2, true);
    await failsWith(neg, NiftiError, /pixdim\[3\]/);
    const dim = good.slice();
    new DataView(dim.buffer).setInt16(44, 0, true);
    await failsWith(dim, NiftiError, /dim\[2\]/);
    const off = good.slice();
    new DataView(off.buffer).setFloat32(108, 10, true);
    await failsWith(off, NiftiError, /vox_offset/);
  });
  it('corrupt and truncated gzip', async () => {
    const gz = new Uint8Array(await readFile(join(FIXTURES, 'gz_int16.nii.gz')));
    const corrupt = gz.slice();
    for (let n = 20; n < 60; n++) corrupt[n] ^= 0x5a;
    await failsWith(corrupt, GzipError, /gzip/);
    await failsWith(gz.slice(0, gz.length - 30), GzipError, /gzip/);
  });
  it('a missing file', async () => {
    await expect(readNifti(join(dir, 'nope.nii.gz'))).rejects.toThrow(/nope\.nii\.gz: file: no such file/);
  });
  it('a volume index out of range', async () => {
    await expect(readNifti(join(FIXTURES, 'four_d.nii.gz'), { volumeIndex: 3 })).rejects.toThrow(
      /volume index 3/,
    );
  });
});

describe('writeNifti', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vio-write-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("encodes the qform exactly as nibabel's set_qform", () => {
    for (const q of expected.qforms) {
      const mine = affineToQform(q.affine);
      // q and −q are the same rotation; both keep w ≥ 0, which leaves the sign free only when w = 0.
      const w2 = 1 - q.quatern.reduce((s, x) => s + x * x, 0);
      const flip = w2 < 1e-6 && mine.quatern[0] * q.quatern[0] + mine.quatern[2] * q.quatern[2] < 0 ? -1 : 1;
      expectClose(
        mine.quatern.map((x) => x * flip),
        q.quatern,
        1e-6,
      );
      expectClose([mine.qfac, ...mine.zooms], q.pixdim, 1e-6);
    }
  });

  it('round-trips every datatype through .nii and .nii.gz, geometry and voxels intact', async () => {
    for (const c of expected.cases.filter((x) => x.file.startsWith('dtype_'))) {
      const v = await readNifti(join(FIXTURES, c.file));
      for (const ext of ['nii', 'nii.gz']) {
        const path = join(dir, `${c.datatype}.${ext}`);
        await writeNifti(path, v);
        const back = await readNifti(path);
        expect(back.datatype).toBe(c.datatype);
        expect(Array.from(back.data)).toEqual(Array.from(v.data));
        expectClose(back.affine.flat(), c.affine.flat(), 1e-6);
      }
    }
  });

  it('converts to a requested datatype with rounding and clamping', () => {
    const v: Volume = {
      data: new Float32Array([-1.6, 0.4, 2.5, 300, Number.NaN, 7]),
      shape: [3, 2, 1],
      spacing: [1, 1, 1],
      affine: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      datatype: 'float32',
    };
    const back = parseNifti(encodeNifti(v, { datatype: 'uint8' }));
    expect(Array.from(back.data)).toEqual([0, 0, 3, 255, 0, 7]);
    expect(back.datatype).toBe('uint8');
  });

  it('refuses a data length that does not match the shape', () => {
    const v = {
      data: new Int16Array(5),
      shape: [2, 2, 2],
      spacing: [1, 1, 1],
      affine: [[1]],
      datatype: 'int16',
    };
    expect(() => encodeNifti(v as unknown as Volume)).toThrow(NiftiError);
  });
});
