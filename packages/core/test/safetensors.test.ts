import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  decodeSafetensors,
  encodeSafetensors,
  floatToBfloat16,
  floatToHalf,
  initBackend,
  type RawTensor,
  rawToTensor,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  tensorToRaw,
  tf,
  toFloat32,
  writeSafetensors,
} from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'safetensors');
const allDtypes = join(fixtures, 'all_dtypes.safetensors');
const readJson = async (name: string) => JSON.parse(await readFile(join(fixtures, name), 'utf8'));

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'renal-safetensors-'));
  await initBackend('cpu');
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('reading files written by Python', () => {
  it('reads every dtype identically to PyTorch, with metadata', async () => {
    const golden = await readJson('all_dtypes.golden.json');
    const { tensors, metadata } = await readSafetensors(allDtypes);
    expect(metadata).toEqual({ format: 'pt', note: 'renal-clip fixture' });
    expect([...tensors.keys()].sort()).toEqual(Object.keys(golden).sort());
    for (const [name, tensor] of tensors) {
      expect(tensor.shape, name).toEqual(golden[name].shape);
      expect(Array.from(toFloat32(tensor)), name).toEqual(golden[name].float32.map(Math.fround));
    }
    expect(tensors.get('i64')!.data).toBeInstanceOf(BigInt64Array);
    expect((tensors.get('i64')!.data as BigInt64Array)[0]).toBe(-(2n ** 63n));
    expect(Array.from(tensors.get('bool')!.data as Uint8Array)).toEqual([1, 0, 1, 0, 0, 1]);
  });

  it('reads the header alone, and selected tensors only', async () => {
    const header = await readSafetensorsHeader(allDtypes);
    expect(header.entries.get('conv.weight')).toMatchObject({ dtype: 'F32', shape: [4, 2, 3, 3, 3] });
    expect(header.dataStart % 8).toBe(0);
    const { tensors } = await readSafetensors(allDtypes, { names: ['bf16'] });
    expect([...tensors.keys()]).toEqual(['bf16']);
    await expect(readSafetensors(allDtypes, { names: ['nope'] })).rejects.toThrow(/nope.*no such tensor/);
  });

  it('reads a sharded checkpoint through its index', async () => {
    const golden = await readJson('sharded.golden.json');
    const { tensors } = await readSafetensors(join(fixtures, 'model.safetensors.index.json'));
    expect([...tensors.keys()].sort()).toEqual(Object.keys(golden).sort());
    for (const [name, tensor] of tensors)
      expect(Array.from(toFloat32(tensor))).toEqual(golden[name].map(Math.fround));
    expect(tensors.get('lm_head.weight')!.dtype).toBe('BF16');
  });

  it('refuses a shard that leaves the index folder', async () => {
    const index = join(scratch, 'evil.index.json');
    await writeFile(index, JSON.stringify({ weight_map: { w: '../../etc/passwd' } }));
    await expect(readSafetensors(index)).rejects.toThrow(/outside the index's folder/);
  });
});

describe('float16 and bfloat16 encoding', () => {
  it('rounds exactly as PyTorch does', async () => {
    const golden = await readJson('half_rounding.golden.json');
    const f16 = golden.float32.map((v: number | string) => floatToHalf(Number(v)));
    const bf16 = golden.float32.map((v: number | string) => floatToBfloat16(Number(v)));
    expect(f16).toEqual(golden.f16_bits);
    expect(bf16).toEqual(golden.bf16_bits);
  });
});

describe('writing', () => {
  it('round-trips every dtype and metadata through a file, 8-byte aligned', async () => {
    const { tensors } = await readSafetensors(allDtypes);
    const path = join(scratch, 'roundtrip.safetensors');
    await writeSafetensors(path, tensors, { a: '1' });
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ a: '1' });
    for (const [name, tensor] of tensors) {
      expect(back.tensors.get(name)!.dtype).toBe(tensor.dtype);
      expect(Array.from(back.tensors.get(name)!.data as ArrayLike<unknown>)).toEqual(
        Array.from(tensor.data as ArrayLike<unknown>),
      );
    }
    const bytes = await readFile(path);
    expect(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)) % 8).toBe(0);
  });

  it('refuses data whose length disagrees with the shape', () => {
    const bad: RawTensor = { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) };
    expect(() => encodeSafetensors([['w', bad]])).toThrow(/\[w\].*4 elements but the data has 3/);
  });

  it('converts to and from TensorFlow.js tensors without leaks', async () => {
    await assertNoLeaks(async () => {
      const t = tf.tensor([1.5, -2, 3], [3]);
      const raw = await tensorToRaw(t, 'BF16');
      const back = rawToTensor(raw);
      expect(Array.from(await back.data())).toEqual([1.5, -2, 3]);
      t.dispose();
      back.dispose();
    }, 'tensor conversion');
  });
});

describe('bad input gives a typed error naming the file and tensor', () => {
  const valid = encodeSafetensors([
    ['a', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }],
    ['b', { dtype: 'I16', shape: [3], data: new Int16Array([1, 2, 3]) }],
  ]);
  const withHeader = (header: unknown, dataBytes = 8) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', valid.subarray(0, 5), /too short/],
    [
      'header length beyond the file',
      (() => {
        const b = valid.slice();
        new DataView(b.buffer).setBigUint64(0, 10_000n, true);
        return b;
      })(),
      /runs past the end/,
    ],
    [
      'absurd header length',
      (() => {
        const b = valid.slice();
        new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true);
        return b;
      })(),
      /exceeds/,
    ],
    [
      'header not JSON',
      withHeader('x').map((v, i) => (i === 8 ? 0x7b : v)),
      /not valid UTF-8 JSON|not a JSON object/,
    ],
    [
      'unknown dtype',
      withHeader({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }),
      /\[w\]: unknown dtype "C64"/,
    ],
    [
      'offsets out of range',
      withHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }),
      /\[w\].*run past the 8-byte data section/,
    ],
    [
      'shape/byte-count mismatch',
      withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }),
      /\[w\].*needs 12 bytes but data_offsets span 8/,
    ],
    [
      'overlapping offsets',
      withHeader({
        u: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        v: { dtype: 'I32', shape: [1], data_offsets: [4, 8] },
      }),
      /overlap/,
    ],
    [
      'negative dimension',
      withHeader({ w: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }),
      /\[w\].*non-negative integers/,
    ],
    [
      'reversed offsets',
      withHeader({ w: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }),
      /\[w\].*ordered pair/,
    ],
    ['bad metadata', withHeader({ __metadata__: { n: 3 } }), /__metadata__\.n is not a string/],
  ];
  it.each(cases)('%s', async (_label, bytes, pattern) => {
    expect(() => decodeSafetensors(bytes, 'mem.safetensors')).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes, 'mem.safetensors')).toThrow(pattern);
    const path = join(scratch, 'bad.safetensors');
    await writeFile(path, bytes);
    await expect(readSafetensors(path)).rejects.toThrow(new RegExp(`bad\\.safetensors.*(${pattern.source})`));
  });

  it('a missing file is named', async () => {
    await expect(readSafetensors(join(scratch, 'missing.safetensors'))).rejects.toThrow(
      /missing\.safetensors: cannot open \(ENOENT\)/,
    );
  });

  it('random bytes and mutations of a valid file only ever give SafetensorsError', () => {
    const check = (bytes: Uint8Array) => {
      try {
        decodeSafetensors(bytes, 'fuzz');
      } catch (error) {
        if (!(error instanceof SafetensorsError)) throw error;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => check(b)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (edits) => {
          const b = valid.slice();
          for (const [at, value] of edits) b[at] = value;
          check(b);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
