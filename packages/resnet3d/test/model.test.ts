import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoLeaks, initBackend, type RawTensor, readSafetensors, tf, toFloat32 } from 'renal-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asFloat32,
  AttributeHeads,
  balancedClassWeights,
  ClassificationHead,
  CoxHead,
  exportTorchStateDict,
  findBackbonePrefix,
  importTorchStateDict,
  loadResNet3dCheckpoint,
  loadTorchWeights,
  multiTaskAttributeLoss,
  ProjectionHead,
  RESNET3D_PRESETS,
  ResNet3d,
  ResNet3dConfigError,
  ResNet3dInputError,
  type ResNet3dOptions,
  saveResNet3dCheckpoint,
  saveTorchWeights,
  WeightMismatchError,
} from '../src/index.js';
import { get, loadFixture, relativeError } from './helpers.js';

const TINY: ResNet3dOptions = { depth: 10, widths: [2, 2, 4, 4], stemKernel: 3 };

let fx18: Map<string, RawTensor>;
let fx50: Map<string, RawTensor>;
let fx10: Map<string, RawTensor>;
let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  fx18 = await loadFixture('resnet18a');
  fx50 = await loadFixture('resnet50b');
  fx10 = await loadFixture('monai10b');
  dir = await mkdtemp(join(tmpdir(), 'resnet3d-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('configuration', () => {
  it('getConfig/fromConfig round-trips through JSON with the same parameter names and shapes', () => {
    const a = new ResNet3d({
      depth: 34,
      shortcut: 'B',
      widenFactor: 0.0625,
      inChannels: 4,
      stemStride: [1, 2, 2],
    });
    const b = ResNet3d.fromConfig(JSON.parse(JSON.stringify(a.getConfig())));
    expect(b.getConfig()).toEqual(a.getConfig());
    expect(b.className).toBe('ResNet3d');
    const shapes = (m: ResNet3d) => [...m.params.entries].map(([k, p]) => [k, p.variable.shape]);
    expect(shapes(b)).toEqual(shapes(a));
    expect(a.config.widths).toEqual([4, 8, 16, 32]);
    a.dispose();
    b.dispose();
    const heads = new AttributeHeads({ inFeatures: 8, hidden: 4 });
    expect(AttributeHeads.fromConfig(heads.getConfig()).getConfig()).toEqual(heads.getConfig());
    heads.dispose();
  });

  it('attribute-head dropout is seeded: the same seed gives the same sequence of training masks', async () => {
    const features = tf.ones([6, 8]);
    const trainTwice = (seed: number) => {
      const heads = new AttributeHeads({ inFeatures: 8, classCounts: [3, 2], dropout: 0.5 }, seed);
      const calls = [0, 1].map(() => {
        const out = heads.apply(features, { training: true });
        const values = out.map((t) => Array.from(t.dataSync()));
        tf.dispose(out);
        return values;
      });
      heads.dispose();
      return calls;
    };
    await assertNoLeaks(() => {
      const [first, again] = [trainTwice(3), trainTwice(3)];
      expect(again).toEqual(first);
      expect(first[1]).not.toEqual(first[0]); // each training call draws a fresh mask
      return [];
    }, 'seeded dropout');
    features.dispose();
  });

  it('the paper preset has PyTorch’s parameter count (32,986,176) and 512 features', () => {
    const net = new ResNet3d(RESNET3D_PRESETS.paper.backbone);
    expect(net.countParams()).toBe(32_986_176); // sum(p.numel()) of the reference model in make_fixtures.py
    expect(net.featureWidth).toBe(512);
    net.dispose();
    const b10 = new ResNet3d({ depth: 10, shortcut: 'B' });
    expect(b10.countParams()).toBe(14_355_520);
    b10.dispose();
    const bottleneck = new ResNet3d({ depth: 50, widths: [2, 2, 2, 2] });
    expect(bottleneck.featureWidth).toBe(8);
    bottleneck.dispose();
  });

  it('the tiny preset runs end to end: [N, 8, 32, 32, 1] → 64 features → unit 128-d embeddings', async () => {
    const { backbone, inputShape, projectionDim } = RESNET3D_PRESETS.tiny;
    const net = new ResNet3d(backbone);
    const proj = new ProjectionHead({ inFeatures: net.featureWidth, outFeatures: projectionDim });
    const x = tf.randomUniform([2, ...inputShape]);
    await assertNoLeaks(() => {
      const features = net.apply(x);
      const e = proj.apply(features);
      expect(features.shape).toEqual([2, 64]);
      expect(e.shape).toEqual([2, 128]);
      const norms = tf.norm(e, 'euclidean', 1);
      for (const n of norms.dataSync()) expect(n).toBeCloseTo(1, 5);
      return [features, e, norms];
    }, 'tiny preset');
    x.dispose();
    net.dispose();
    proj.dispose();
  });

  it('rejects unbuildable configurations with ResNet3dConfigError', () => {
    expect(thrown(() => new ResNet3d({ depth: 20 as 18 }))).toBeInstanceOf(ResNet3dConfigError);
    expect(thrown(() => new ResNet3d({ shortcut: 'C' as 'A' })).message).toMatch(/shortcut/);
    expect(thrown(() => new ResNet3d({ widths: [1, 2, 3] as unknown as [1, 2, 3, 4] })).message).toMatch(
      /4 entries/,
    );
    expect(thrown(() => new ResNet3d({ stemKernel: 0 })).message).toMatch(/stemKernel/);
    const both = thrown(() => new ResNet3d({ layerStrides: [1, 2, 2, 2], layerDilations: [1, 2, 1, 1] }));
    expect(both.message).toMatch(/stage 2 cannot both stride \(2\) and dilate \(2\)/);
  });
});

describe('bad input', () => {
  it('wrong rank, channels, dtype and non-finite values give ResNet3dInputError with expected and actual', () => {
    const net = new ResNet3d({ ...TINY, inChannels: 2 });
    const cases: [tf.Tensor, RegExp][] = [
      [tf.zeros([2, 8, 8, 8]), /rank 5 .*got rank 4 \[2, 8, 8, 8\]/],
      [tf.zeros([1, 8, 8, 8, 1]), /C = 2.*got \[1, 8, 8, 8, 1\]/],
      [tf.zeros([1, 8, 8, 8, 2], 'int32'), /dtype float32, got dtype int32/],
      [
        tf.tensor5d([Number.NaN, 0, Number.POSITIVE_INFINITY, 0], [1, 1, 2, 1, 2]),
        /finite values, got 2 non-finite/,
      ],
    ];
    for (const [x, message] of cases) {
      const error = thrown(() => net.apply(x));
      expect(error).toBeInstanceOf(ResNet3dInputError);
      expect(error.name).toBe('ResNet3dInputError');
      expect(error.message).toMatch(message);
      x.dispose();
    }
    const heads = new CoxHead({ inFeatures: 4 });
    const wrong = tf.zeros([3, 5]);
    expect(thrown(() => heads.apply(wrong)).message).toMatch(
      /CoxHead features: expected \[N, 4\].*got \[3, 5\]/,
    );
    wrong.dispose();
    heads.dispose();
    net.dispose();
  });

  it('labels of the wrong shape or out of range are refused', () => {
    const logits = [tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D];
    expect(thrown(() => multiTaskAttributeLoss(logits, [[0, 1]])).message).toMatch(/\[2, 2\].*got 1 rows/);
    expect(
      thrown(() =>
        multiTaskAttributeLoss(logits, [
          [0, 2],
          [0, 1],
        ]),
      ).message,
    ).toMatch(/labels\[0\]\[1\].*\[0, 1\].*got 2/);
    tf.dispose(logits);
  });
});

describe('multi-task loss', () => {
  it('masks unknown labels; an attribute with none known contributes 0', async () => {
    const logits = [
      tf.tensor2d([
        [2, 0, 0],
        [0, 1, 0],
      ]),
      tf.tensor2d([
        [0, 1],
        [1, 0],
      ]),
    ];
    await assertNoLeaks(() => {
      const allUnknown = multiTaskAttributeLoss(logits, [
        [-1, -1],
        [-1, -1],
      ]);
      expect(allUnknown.dataSync()[0]).toBe(0);
      // Only sample 1 of attribute 0 known (class 1): CE = logsumexp(0,1,0) − 1.
      const one = multiTaskAttributeLoss(logits, [
        [-1, -1],
        [1, -1],
      ]);
      expect(one.dataSync()[0]).toBeCloseTo(Math.log(2 + Math.E) - 1, 6);
      return [allUnknown, one];
    }, 'loss');
    tf.dispose(logits);
  });

  it('balanced class weights: known / (C · count)', () => {
    expect(balancedClassWeights([[0], [0], [1], [-1]], [3])).toEqual([[0.5, 1, 0]]);
  });
});

describe('PyTorch weights in and out', () => {
  it('decodes F16, BF16, F64 and integer tensors to float32', () => {
    // 1, −2, 0.5 and 65504 (the largest half) as IEEE half bits; 1, −2, 0.5 as bfloat16 bits.
    expect(
      Array.from(
        asFloat32({ dtype: 'F16', shape: [4], data: new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff]) }),
      ),
    ).toEqual([1, -2, 0.5, 65504]);
    expect(
      Array.from(asFloat32({ dtype: 'BF16', shape: [3], data: new Uint16Array([0x3f80, 0xc000, 0x3f00]) })),
    ).toEqual([1, -2, 0.5]);
    expect(Array.from(asFloat32({ dtype: 'F64', shape: [2], data: new Float64Array([0.25, -3]) }))).toEqual([
      0.25, -3,
    ]);
    expect(Array.from(asFloat32({ dtype: 'I64', shape: [1], data: new BigInt64Array([7n]) }))).toEqual([7]);
  });

  it('exports back to the same PyTorch names, layouts and values', () => {
    const net = new ResNet3d({ depth: 18, widths: [2, 4, 4, 8] });
    importTorchStateDict(net, fx18);
    const exported = exportTorchStateDict(net, 'module.backbone.image_encoder.');
    for (const [name, t] of exported) {
      const original = get(fx18, name);
      expect(t.shape, name).toEqual(original.shape);
      expect(relativeError(t.data, toFloat32(original)), name).toBe(0);
    }
    net.dispose();
  });

  it('names the likely cause: another depth, the other shortcut type, input channels, extra modules', () => {
    const cases: [ConstructorParameters<typeof ResNet3d>[0], Map<string, RawTensor>, RegExp][] = [
      [
        { depth: 34, widths: [2, 4, 4, 8] },
        fx18,
        /holds a ResNet-18 \(basic blocks \[2, 2, 2, 2\]\).*depth 18/,
      ],
      [
        { depth: 18, shortcut: 'B', widths: [2, 4, 4, 8] },
        fx18,
        /no downsample weights, i\.e\. shortcut type A/,
      ],
      [{ depth: 18, widths: [2, 4, 4, 8], inChannels: 3 }, fx18, /1 input channel\(s\), the model 3/],
      [
        {
          depth: 50,
          shortcut: 'A',
          widths: [2, 2, 2, 2],
          inChannels: 2,
          stemKernel: [3, 7, 7],
          maxPool: false,
        },
        fx50,
        /shortcut type B, the model was built with A/,
      ],
      [
        { depth: 10, shortcut: 'B', widths: [2, 4, 4, 4] },
        fx10,
        /biases \(MONAI’s bias_downsample\): use downsampleBias true/,
      ],
    ];
    for (const [options, fx, cause] of cases) {
      const net = new ResNet3d(options);
      const error = thrown(() =>
        importTorchStateDict(net, fx, { source: 'weights.safetensors', ignore: ['fc.'] }),
      );
      expect(error).toBeInstanceOf(WeightMismatchError);
      expect(error.message).toMatch(/^weights\.safetensors: /);
      expect(error.message).toMatch(cause);
      net.dispose();
    }
    const net = new ResNet3d({
      depth: 50,
      shortcut: 'B',
      widths: [2, 2, 2, 2],
      inChannels: 2,
      stemKernel: [3, 7, 7],
    });
    const before = net.params.get('conv1.weight').dataSync().slice();
    const error = thrown(() => importTorchStateDict(net, fx50)) as WeightMismatchError;
    expect(error.unexpected).toContain('fc.weight');
    expect(error.message).toMatch(/pass ignore \['fc\.'\]/);
    expect(net.params.get('conv1.weight').dataSync()).toEqual(before); // nothing assigned
    net.dispose();
  });

  it('finds the backbone prefix: most backbone keys first (not saved gradients), then the shortest', () => {
    expect(findBackbonePrefix(fx18.keys())).toBe('module.backbone.image_encoder.');
    expect(findBackbonePrefix(fx50.keys())).toBe('');
    expect(findBackbonePrefix(['fc.weight', 'logit_scale'])).toBeUndefined();
    expect(findBackbonePrefix(['ema.layer1.0.conv1.weight', 'layer1.0.conv1.weight'])).toBe('');
  });

  it('saves and loads safetensors and checkpoints, giving identical features', async () => {
    const net = new ResNet3d(TINY, 7);
    const x = tf.randomUniform([1, 6, 10, 10, 1]);
    await saveTorchWeights(net, join(dir, 'w.safetensors'), 'module.');
    const fromTorch = new ResNet3d(TINY, 8);
    const report = await loadTorchWeights(fromTorch, join(dir, 'w.safetensors'));
    expect(report.prefix).toBe('module.');
    const raw = await readSafetensors(join(dir, 'w.safetensors'));
    expect(raw.tensors.get('module.conv1.weight')?.shape).toEqual([2, 1, 3, 3, 3]);
    await saveResNet3dCheckpoint(join(dir, 'ckpt'), net);
    const fromCheckpoint = await loadResNet3dCheckpoint(join(dir, 'ckpt'));
    expect(fromCheckpoint.getConfig()).toEqual(net.getConfig());
    const [a, b, c] = [net, fromTorch, fromCheckpoint].map((m) => m.apply(x));
    expect(relativeError(b.dataSync(), a.dataSync())).toBe(0);
    expect(relativeError(c.dataSync(), a.dataSync())).toBe(0);
    tf.dispose([a, b, c, x]);
    for (const m of [net, fromTorch, fromCheckpoint]) m.dispose();
  });
});

describe('training with TensorFlow.js optimisers', () => {
  it('the loss falls, and the tensor count stays flat across 20 steps', async () => {
    const net = new ResNet3d(TINY, 1);
    const heads = new AttributeHeads({ inFeatures: net.featureWidth, classCounts: [3, 2] });
    const cls = new ClassificationHead({ inFeatures: net.featureWidth, numClasses: 2, hidden: 8 });
    const proj = new ProjectionHead({ inFeatures: net.featureWidth, outFeatures: 6, hidden: 5 });
    const optimizer = tf.train.adam(0.01);
    const x = tf.randomUniform([4, 6, 10, 10, 1], 0, 1, 'float32', 3);
    const labels = [
      [0, 1],
      [1, 0],
      [2, -1],
      [-1, 1],
    ];
    const variables = [net, heads, cls, proj].flatMap((m) => m.trainableVariables);
    const step = (): number => {
      const loss = optimizer.minimize(
        () => {
          const f = net.apply(x, { training: true });
          const attr = multiTaskAttributeLoss(heads.apply(f, { training: true }), labels);
          const extra = tf.mean(tf.square(cls.apply(f, { training: true })));
          return tf.add(tf.add(attr, tf.mul(extra, 0.01)), tf.mean(proj.apply(f))) as tf.Scalar;
        },
        true,
        variables,
      );
      const value = loss!.dataSync()[0];
      loss!.dispose();
      return value;
    };
    const losses = [step(), step()];
    const counts: number[] = [];
    for (let i = 0; i < 18; i++) {
      losses.push(step());
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    optimizer.dispose();
    x.dispose();
    for (const m of [net, heads, cls, proj]) m.dispose();
  });
});
