import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, saveCheckpoint, tensorToRaw, tf, writeSafetensors } from 'renal-core';
import { exportTorchStateDict } from 'renal-resnet3d';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CENTRE_VIEW_PREFIX,
  centralCrop,
  ImageModel,
  loadImageWeights,
  pipelineConfig,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const small = {
  cacheShape: [10, 20, 20] as [number, number, number],
  inputShape: [8, 16, 16] as [number, number, number],
  widths: [4, 4, 8, 8] as [number, number, number, number],
  embedDim: 8,
  centreView: 0.5,
};

/** The central `[d, h, w]` of a `[D, H, W]` volume by plain indexing (the oracle for `centralCrop`). */
function centralByHand(
  volume: Float32Array,
  [D, H, W]: number[],
  [d, h, w]: number[],
): { values: Float32Array; begin: number[] } {
  const begin = [Math.floor((D - d) / 2), Math.floor((H - h) / 2), Math.floor((W - w) / 2)];
  const values = new Float32Array(d * h * w);
  for (let z = 0; z < d; z++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        values[(z * h + y) * w + x] = volume[((z + begin[0]) * H + y + begin[1]) * W + x + begin[2]];
  return { values, begin };
}

function ramp(shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) + i / size);
}

describe('centralCrop', () => {
  const table: [number[], number[], number[]][] = [
    // [input D, H, W], [view], begin
    [
      [16, 64, 64],
      [8, 32, 32],
      [4, 16, 16],
    ],
    [
      [8, 16, 16],
      [4, 8, 8],
      [2, 4, 4],
    ],
    [
      [7, 9, 10],
      [4, 4, 5],
      [1, 2, 2],
    ],
    [
      [3, 5, 5],
      [3, 1, 5],
      [0, 2, 0],
    ],
  ];
  it.each(table)('cuts %j to its central %j, starting at %j', (input, view, begin) => {
    const volume = ramp(input);
    const expected = centralByHand(volume, input, view);
    expect(expected.begin).toEqual(begin);
    const x = tf.tensor5d(volume, [1, input[0], input[1], input[2], 1]);
    const crop = centralCrop(x, view as [number, number, number]);
    expect(crop.shape).toEqual([1, ...view, 1]);
    expect(Array.from(crop.dataSync())).toEqual(Array.from(expected.values));
    tf.dispose([x, crop]);
  });
});

describe('ImageModel with a centre view', () => {
  it("concatenates the whole input's pooled features with those of its central half, through one backbone", () => {
    const config = pipelineConfig('tiny', small);
    const model = new ImageModel(config, 7);
    expect(model.centreView).toEqual([4, 8, 8]);
    expect(model.featureWidth).toBe(2 * model.backbone.featureWidth);
    const volumes = [ramp([8, 16, 16]), ramp([8, 16, 16]).map((v) => -v)];
    const x = tf.tensor5d(Float32Array.from([...volumes[0], ...volumes[1]]), [2, 8, 16, 16, 1]);
    const centre = volumes.flatMap((v) => Array.from(centralByHand(v, [8, 16, 16], [4, 8, 8]).values));
    const xCentre = tf.tensor5d(centre, [2, 4, 8, 8, 1]);
    const before = tf.memory().numTensors;
    const features = model.features(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const whole = model.backbone.apply(x);
    const close = model.backbone.apply(xCentre);
    const width = model.backbone.featureWidth;
    expect(features.shape).toEqual([2, 2 * width]);
    const got = features.arraySync();
    const [a, b] = [whole.arraySync() as number[][], close.arraySync() as number[][]];
    for (let n = 0; n < 2; n++) {
      expect(got[n].slice(0, width)).toEqual(a[n]);
      expect(got[n].slice(width)).toEqual(b[n]);
    }
    // The heads read the doubled width.
    const embedded = model.projection.apply(features);
    expect(embedded.shape).toEqual([2, 8]);
    tf.dispose([x, xCentre, features, whole, close, embedded]);
    model.dispose();
  });

  it('trains through both views without leaking tensors, and reads the whole input only when off', () => {
    const model = new ImageModel(pipelineConfig('tiny', small), 8);
    const x = tf.tensor5d(ramp([2, 8, 16, 16]), [2, 8, 16, 16, 1]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(model.features(x, true))) as tf.Scalar,
      Object.values(model.params(['backbone'])).filter((v) => v.trainable),
    );
    expect(Object.keys(grads).length).toBeGreaterThan(0);
    const total = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))).dataSync()[0]);
    expect(Number.isFinite(total) && total > 0).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);

    const plain = new ImageModel(pipelineConfig('tiny', { ...small, centreView: 0 }), 8);
    expect(plain.centreView).toBeNull();
    expect(plain.featureWidth).toBe(plain.backbone.featureWidth);
    const [f, g] = [plain.features(x), plain.backbone.apply(x)];
    expect(Array.from(f.dataSync())).toEqual(Array.from(g.dataSync()));
    tf.dispose([x, f, g]);
    model.dispose();
    plain.dispose();
  });

  it('keeps batch-norm statistics per view: each view trains its own as a one-view model would', () => {
    const withView = new ImageModel(pipelineConfig('tiny', small), 9);
    const whole = new ImageModel(pipelineConfig('tiny', { ...small, centreView: 0 }), 9);
    const close = new ImageModel(pipelineConfig('tiny', { ...small, centreView: 0 }), 9);
    const x = tf.tensor5d(ramp([2, 8, 16, 16]), [2, 8, 16, 16, 1]);
    const xCentre = centralCrop(x, [4, 8, 8]);
    tf.dispose([withView.features(x, true), whole.features(x, true), close.features(xCentre, true)]);
    const params = withView.params(['backbone']);
    const statNames = Object.keys(params).filter(
      (n) => n.endsWith('running_mean') || n.endsWith('running_var'),
    );
    const ownStats = statNames.filter((n) => !n.startsWith(CENTRE_VIEW_PREFIX));
    expect(ownStats.length).toBeGreaterThan(0);
    expect(statNames.length).toBe(2 * ownStats.length);
    const [wholeParams, closeParams] = [whole.params(['backbone']), close.params(['backbone'])];
    let moved = 0;
    for (const name of ownStats) {
      const centreName = `${CENTRE_VIEW_PREFIX}${name.slice('backbone.'.length)}`;
      const [mine, theirs] = [params[name].dataSync(), wholeParams[name].dataSync()];
      const [myCentre, closeOne] = [params[centreName].dataSync(), closeParams[name].dataSync()];
      for (let i = 0; i < mine.length; i++) {
        expect(mine[i]).toBeCloseTo(theirs[i], 5);
        expect(myCentre[i]).toBeCloseTo(closeOne[i], 5);
        if (Math.abs(myCentre[i] - mine[i]) > 1e-4) moved++;
      }
    }
    // The two views' statistics differ (they are not one set updated twice).
    expect(moved).toBeGreaterThan(0);
    tf.dispose([x, xCentre]);
    for (const model of [withView, whole, close]) model.dispose();
  });

  it("starts the centre view from the whole input's statistics when weights come without it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'centre-view-'));
    const trained = new ImageModel(pipelineConfig('tiny', { ...small, centreView: 0 }), 10);
    const x = tf.tensor5d(ramp([2, 8, 16, 16]), [2, 8, 16, 16, 1]);
    tf.dispose(trained.features(x, true));
    const stateDict = join(dir, 'torch.safetensors');
    await writeSafetensors(stateDict, exportTorchStateDict(trained.backbone, ''), {});
    const folder = join(dir, 'one-view');
    const tensors: Record<string, Awaited<ReturnType<typeof tensorToRaw>>> = {};
    for (const [name, v] of Object.entries(trained.params(['backbone'])))
      tensors[name] = await tensorToRaw(v);
    await saveCheckpoint(folder, { config: {}, tensors });
    // Heads of one view's width do not fit two views' features: refused, naming the folder and the tensor.
    const withHeads = join(dir, 'one-view-heads');
    for (const [name, v] of Object.entries(trained.params(['projection'])))
      tensors[name] = await tensorToRaw(v);
    await saveCheckpoint(withHeads, { config: {}, tensors });
    const refused = new ImageModel(pipelineConfig('tiny', small), 12);
    await expect(loadImageWeights(refused, withHeads)).rejects.toThrow(
      /one-view-heads: "projection\.[^"]+" has shape \[8,8\] but the model needs \[16,8\]/,
    );
    refused.dispose();
    for (const source of [stateDict, folder]) {
      const model = new ImageModel(pipelineConfig('tiny', small), 11);
      await loadImageWeights(model, source);
      const params = model.params(['backbone']);
      const mean = 'backbone.layer1.0.bn1.running_mean';
      const expected = Array.from(trained.params(['backbone'])[mean].dataSync());
      expect(Array.from(params[mean].dataSync())).toEqual(expected);
      expect(Array.from(params[`${CENTRE_VIEW_PREFIX}layer1.0.bn1.running_mean`].dataSync())).toEqual(
        expected,
      );
      model.dispose();
    }
    x.dispose();
    trained.dispose();
  });
});
