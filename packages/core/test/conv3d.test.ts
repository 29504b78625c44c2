import { afterAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  type Conv3dOptions,
  conv3d,
  initBackend,
  Op3dArgumentError,
  Rng,
  tf,
} from '../src/index.js';
import { BACKENDS, ErrorTable, randomValues, useBackend } from './helpers/harness.js';
import {
  type Arr,
  finiteDifference,
  type Pads,
  refConv3d,
  relativeError,
  resolvePads,
  type Shape5,
  type Triple,
} from './helpers/reference.js';

interface Case {
  name: string;
  x: Shape5;
  filter: Shape5;
  options: { strides: number | Triple; padding: 'same' | 'valid' | Pads };
  /** Also run on webgpu (it runs on the CPU through Mesa, so only a few cases). */
  webgpu?: boolean;
}

/** Kernels 1/2/3/7, strides 1/2 (mixed too), every padding mode, channels 1–64, odd sizes, batch 1–3. */
const CASES: Case[] = [
  {
    name: 'k1 s1 same 8→16',
    x: [1, 3, 4, 5, 8],
    filter: [1, 1, 1, 8, 16],
    options: { strides: 1, padding: 'same' },
  },
  {
    name: 'k2 s2 same (even kernel)',
    x: [2, 5, 6, 7, 3],
    filter: [2, 2, 2, 3, 4],
    options: { strides: 2, padding: 'same' },
    webgpu: true,
  },
  {
    name: 'k3 s1 same',
    x: [1, 5, 6, 7, 2],
    filter: [3, 3, 3, 2, 3],
    options: { strides: 1, padding: 'same' },
  },
  {
    name: 'k3 s2 same',
    x: [2, 5, 5, 6, 4],
    filter: [3, 3, 3, 4, 5],
    options: { strides: 2, padding: 'same' },
    webgpu: true,
  },
  {
    name: 'k3 s2 explicit 1 (ResNet)',
    x: [1, 7, 6, 5, 3],
    filter: [3, 3, 3, 3, 2],
    options: {
      strides: 2,
      padding: [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    },
  },
  {
    name: 'k3 s1 valid batch 3',
    x: [3, 4, 5, 6, 2],
    filter: [3, 3, 3, 2, 2],
    options: { strides: 1, padding: 'valid' },
  },
  {
    name: 'k7 s2 explicit 3 (stem)',
    x: [1, 9, 10, 11, 1],
    filter: [7, 7, 7, 1, 8],
    options: {
      strides: 2,
      padding: [
        [3, 3],
        [3, 3],
        [3, 3],
      ],
    },
    webgpu: true,
  },
  {
    name: 'k7 s2 explicit 3, 1→64 (the stem’s one-channel input gradient)',
    x: [1, 7, 8, 9, 1],
    filter: [7, 7, 7, 1, 64],
    options: {
      strides: 2,
      padding: [
        [3, 3],
        [3, 3],
        [3, 3],
      ],
    },
  },
  {
    name: 'k3 s[2,1,2] same, 1→16',
    x: [2, 5, 7, 6, 1],
    filter: [3, 3, 3, 1, 16],
    options: { strides: [2, 1, 2], padding: 'same' },
  },
  {
    name: 'k7 s1 same',
    x: [1, 7, 7, 7, 2],
    filter: [7, 7, 7, 2, 2],
    options: { strides: 1, padding: 'same' },
  },
  {
    name: 'k3 s1 same 64→8',
    x: [1, 3, 4, 4, 64],
    filter: [3, 3, 3, 64, 8],
    options: { strides: 1, padding: 'same' },
  },
  {
    name: 'k1 s2 valid 16→64',
    x: [2, 5, 5, 5, 16],
    filter: [1, 1, 1, 16, 64],
    options: { strides: 2, padding: 'valid' },
  },
  {
    name: 'k[3,2,1] s[2,1,2] asymmetric explicit',
    x: [1, 6, 7, 8, 3],
    filter: [3, 2, 1, 3, 2],
    options: {
      strides: [2, 1, 2],
      padding: [
        [0, 1],
        [1, 0],
        [2, 2],
      ],
    },
  },
  {
    name: 'k3 s1 same, depth 1 (two depth taps read only padding)',
    x: [2, 1, 3, 4, 4],
    filter: [3, 3, 3, 4, 5],
    options: { strides: 1, padding: 'same' },
    webgpu: true,
  },
  {
    name: 'k3 s2 explicit 1, depth 2 → 1 (first depth tap reads only padding)',
    x: [1, 2, 4, 4, 3],
    filter: [3, 3, 3, 3, 2],
    options: {
      strides: 2,
      padding: [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    },
  },
  {
    name: 'k3 s2 padding wider than the kernel',
    x: [1, 5, 6, 4, 2],
    filter: [3, 3, 3, 2, 2],
    options: {
      strides: 2,
      padding: [
        [3, 0],
        [2, 2],
        [0, 3],
      ],
    },
  },
];

const errors = new ErrorTable('conv3d vs cpu tf.conv3d and vs float64 finite differences');
afterAll(async () => {
  errors.print();
  await initBackend('cpu');
});

type Results = { y: Float32Array; dx: Float32Array; dw: Float32Array };

/** Forward and both gradients of L = Σ conv(x, w)·r, read back as arrays; checked for leaks. */
async function forwardAndGrads(
  conv: (x: tf.Tensor5D, w: tf.Tensor5D) => tf.Tensor5D,
  c: Case,
  values: { x: Float64Array; w: Float64Array; r: Float64Array },
  label: string,
): Promise<Results> {
  const x = tf.tensor5d(Float32Array.from(values.x), c.x);
  const w = tf.tensor5d(Float32Array.from(values.w), c.filter);
  let results: Results | undefined;
  await assertNoLeaks(async () => {
    const y = conv(x, w);
    const r = tf.tensor(Float32Array.from(values.r), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv(a as tf.Tensor5D, b as tf.Tensor5D), r)),
    )([x, w]);
    results = {
      y: (await y.data()) as Float32Array,
      dx: (await dx.data()) as Float32Array,
      dw: (await dw.data()) as Float32Array,
    };
    return [y, r, dx, dw];
  }, label);
  tf.dispose([x, w]);
  return results!;
}

function caseValues(c: Case, seed: number) {
  const rng = new Rng(seed);
  const pads = resolvePads(
    c.x.slice(1, 4) as Triple,
    c.filter.slice(0, 3) as Triple,
    strideTriple(c),
    c.options.padding,
  );
  const outShape = refConv3d(
    { data: new Float64Array(c.x.reduce((a, b) => a * b)), shape: c.x },
    { data: new Float64Array(c.filter.reduce((a, b) => a * b)), shape: c.filter },
    strideTriple(c),
    pads,
  ).shape;
  return {
    x: randomValues(
      rng,
      c.x.reduce((a, b) => a * b),
    ),
    w: randomValues(
      rng,
      c.filter.reduce((a, b) => a * b),
    ),
    r: randomValues(
      rng,
      outShape.reduce((a, b) => a * b),
    ),
    pads,
  };
}

const strideTriple = (c: Case): Triple =>
  typeof c.options.strides === 'number'
    ? [c.options.strides, c.options.strides, c.options.strides]
    : c.options.strides;

/** The reference: TensorFlow.js's own conv3d and its gradients on the cpu backend (explicit pads by tf.pad). */
function cpuReference(x: tf.Tensor5D, w: tf.Tensor5D, c: Case, pads: Pads): tf.Tensor5D {
  return tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], ...pads, [0, 0]]) as tf.Tensor5D;
    return tf.conv3d(padded, w, strideTriple(c), 'valid');
  });
}

describe('conv3d matches the cpu backend’s tf.conv3d (forward, dx, dfilter)', () => {
  for (const [index, c] of CASES.entries()) {
    it(c.name, async (ctx) => {
      const values = caseValues(c, 100 + index);
      await initBackend('cpu');
      const reference = await forwardAndGrads(
        (x, w) => cpuReference(x, w, c, values.pads),
        c,
        values,
        'reference',
      );
      const runs: [string, Conv3dOptions['implementation']][] = [
        ['cpu', 'auto'],
        ['cpu', 'folded'],
        ['wasm', 'auto'],
      ];
      if (c.webgpu) runs.push(['webgpu', 'auto']);
      const skipped: string[] = [];
      for (const [backend, implementation] of runs) {
        const reason = await useBackend(backend as (typeof BACKENDS)[number]);
        if (reason !== undefined) {
          skipped.push(reason);
          continue;
        }
        const label = `${backend}/${implementation} ${c.name}`;
        const ours = await forwardAndGrads(
          (x, w) => conv3d(x, w, { ...c.options, implementation }),
          c,
          values,
          label,
        );
        const e = {
          forward: relativeError(ours.y, reference.y),
          dx: relativeError(ours.dx, reference.dx),
          dfilter: relativeError(ours.dw, reference.dw),
        };
        errors.record('conv3d vs tf.conv3d', implementation === 'folded' ? `${backend}(folded)` : backend, e);
        expect(e.forward, `${label} forward`).toBeLessThan(1e-5);
        expect(e.dx, `${label} dx`).toBeLessThan(1e-5);
        expect(e.dfilter, `${label} dfilter`).toBeLessThan(1e-5);
      }
      if (skipped.length > 0) ctx.annotate?.(skipped.join('; '));
    });
  }
});

/** Tiny cases checked against float64 loops and central finite differences, independent of TensorFlow.js. */
const TINY: Case[] = [
  {
    name: 'k3 s2 asymmetric explicit',
    x: [1, 4, 5, 4, 2],
    filter: [3, 3, 3, 2, 2],
    options: {
      strides: 2,
      padding: [
        [1, 1],
        [0, 1],
        [1, 0],
      ],
    },
  },
  {
    name: 'k2 s2 same, 1→4',
    x: [1, 4, 5, 3, 1],
    filter: [2, 2, 2, 1, 4],
    options: { strides: 2, padding: 'same' },
  },
  {
    name: 'k2 s1 same, batch 2',
    x: [2, 3, 3, 4, 1],
    filter: [2, 2, 2, 1, 3],
    options: { strides: 1, padding: 'same' },
  },
  {
    name: 'k3 s1 same, depth 1',
    x: [1, 1, 3, 3, 2],
    filter: [3, 3, 3, 2, 2],
    options: { strides: 1, padding: 'same' },
  },
  {
    name: 'k[3,1,3] s[1,2,1] valid',
    x: [1, 4, 5, 5, 2],
    filter: [3, 1, 3, 2, 1],
    options: { strides: [1, 2, 1], padding: 'valid' },
  },
];

describe('conv3d matches float64 loops and central finite differences', () => {
  for (const [index, c] of TINY.entries()) {
    const values = caseValues(c, 200 + index);
    const xArr: Arr = { data: values.x.slice(), shape: c.x };
    const wArr: Arr = { data: values.w.slice(), shape: c.filter };
    const f = ([x, w]: Arr[]) => refConv3d(x, w, strideTriple(c), values.pads);
    const expected = {
      y: f([xArr, wArr]).data,
      dx: finiteDifference(f, [xArr, wArr], values.r, 0),
      dw: finiteDifference(f, [xArr, wArr], values.r, 1),
    };
    for (const backend of BACKENDS) {
      it(`${c.name} on ${backend}`, async (ctx) => {
        const reason = await useBackend(backend);
        if (reason !== undefined) ctx.skip(reason);
        const ours = await forwardAndGrads(
          (x, w) => conv3d(x, w, c.options),
          c,
          values,
          `${backend} ${c.name}`,
        );
        const e = {
          forward: relativeError(ours.y, expected.y),
          dx: relativeError(ours.dx, expected.dx),
          dfilter: relativeError(ours.dw, expected.dw),
        };
        errors.record('conv3d vs finite differences', backend, e);
        for (const [what, error] of Object.entries(e))
          expect(error, `${backend} ${c.name} ${what}`).toBeLessThan(1e-5);
      });
    }
  }
});

describe('conv3d argument errors', () => {
  it('names the problem in a typed error', async () => {
    await initBackend('cpu');
    await assertNoLeaks(() => {
      const x = tf.zeros([1, 4, 4, 4, 2]) as tf.Tensor5D;
      const w = tf.zeros([3, 3, 3, 3, 1]) as tf.Tensor5D;
      expect(() => conv3d(x, w)).toThrow(Op3dArgumentError);
      expect(() => conv3d(x, w)).toThrow(/filter must be \[kd, kh, kw, 2, Cout\]/);
      const w2 = tf.zeros([5, 1, 1, 2, 1]) as tf.Tensor5D;
      expect(() => conv3d(x, w2, { padding: 'valid' })).toThrow(/does not fit the padded depth/);
      expect(() => conv3d(x, w2, { strides: 0 })).toThrow(/strides must be a positive integer/);
      return [x, w, w2];
    });
  });
});
