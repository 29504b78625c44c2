import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  centreViewShape,
  configDifferences,
  downstreamConfig,
  PAPER_CONFIG,
  pipelineConfig,
  readConfigOverrides,
  TINY_CONFIG,
} from '../src/index.js';
import { writeMiniCohort } from './helpers/mini-cohort.js';
import { run } from './helpers/run-cli.js';

describe('pipelineConfig: presets with deep-merged overrides', () => {
  it('returns a copy of the preset when nothing is overridden', () => {
    const config = pipelineConfig('tiny');
    expect(config).toEqual(TINY_CONFIG);
    config.image.epochs = 99;
    expect(TINY_CONFIG.image.epochs).not.toBe(99);
    expect(pipelineConfig('paper')).toEqual(PAPER_CONFIG);
    expect(configDifferences(pipelineConfig('paper'))).toEqual([]);
  });

  it("gives stage 3 the paper's downstream resize: the box to the input depth, pre-training unchanged", () => {
    const paper = pipelineConfig('paper');
    expect(downstreamConfig(paper).cacheShape).toEqual([32, 140, 140]);
    expect(downstreamConfig(paper).inputShape).toEqual(paper.inputShape);
    expect(paper.cacheShape).toEqual([40, 140, 140]);
    const tiny = pipelineConfig('tiny');
    expect(downstreamConfig(tiny)).toBe(tiny);
    const wholeDepth = pipelineConfig('tiny', {
      downstreamWholeDepth: true,
      cacheShape: [12, 40, 40],
      inputShape: [8, 32, 32],
    });
    expect(downstreamConfig(wholeDepth).cacheShape).toEqual([8, 40, 40]);
  });

  it('merges nested objects key by key and replaces arrays whole', () => {
    const config = pipelineConfig('tiny', {
      boxMm: [60, 60, 60],
      image: { epochs: 3 },
      augment: { affine: false },
      dataEfficiency: { fractions: [0.5, 1] },
    });
    expect(config.boxMm).toEqual([60, 60, 60]);
    expect(config.image).toEqual({ ...TINY_CONFIG.image, epochs: 3 });
    expect(config.augment).toEqual({ affine: false, intensity: TINY_CONFIG.augment.intensity });
    expect(config.dataEfficiency).toEqual({ fractions: [0.5, 1], seeds: TINY_CONFIG.dataEfficiency.seeds });
    expect(configDifferences(config)).toEqual([
      'boxMm [60,60,60]',
      'augment.affine false',
      'image.epochs 3',
      'dataEfficiency.fractions [0.5,1]',
    ]);
  });

  it('turns the affine augmentation back on from the tiny ranges, with the fields given', () => {
    const off = pipelineConfig('tiny', { augment: { affine: false } });
    expect(off.augment.affine).toBe(false);
    const again = pipelineConfig('tiny', { augment: { affine: { rotateDeg: 5 } } } as never);
    expect(again.augment.affine).toEqual({ rotateDeg: 5, scale: 0.1 });
  });

  const bad: [string, unknown, RegExp][] = [
    ['an unknown top-level key', { epochs: 3 }, /"epochs" is not a pipeline config key/],
    ['an unknown nested key', { image: { epoch: 3 } }, /"image.epoch" is not a pipeline config key/],
    ['a string for a number', { image: { lr: '1e-3' } }, /"image.lr" must be a number, got "1e-3"/],
    ['an object for a number', { embedDim: { size: 3 } }, /"embedDim" must be a number/],
    ['a number for an object', { image: 3 }, /"image" must be an object/],
    ['a shape of the wrong length', { inputShape: [8, 32] }, /"inputShape" must hold 3 numbers, got 2/],
    ['a non-numeric array', { boxMm: [50, '50', 50] }, /"boxMm" must be an array of numbers/],
    [
      'an input larger than the cache',
      { inputShape: [32, 64, 64] },
      /"inputShape" \[32,64,64\] does not fit/,
    ],
    [
      'a fractional size',
      { inputShape: [8, 32.5, 32], cacheShape: [10, 36, 36] },
      /"inputShape" must be positive integers/,
    ],
    ['zero epochs', { align: { epochs: 0 } }, /"align.epochs" must be positive integers/],
    ['a negative learning rate', { image: { lr: -1e-3 } }, /"image.lr" must not be negative/],
    ['a zero window width', { window: [50, 0] }, /"window" needs a positive width/],
    [
      'a fraction above 1',
      { dataEfficiency: { fractions: [0.5, 2] } },
      /"dataEfficiency.fractions" must lie in \(0, 1\]/,
    ],
    ['the preset name', { preset: 'paper' }, /"preset" is chosen by the preset name/],
    ['a centre view as large as the input', { centreView: 1 }, /"centreView" must be a fraction below 1/],
    ['a negative centre view', { centreView: -0.5 }, /"centreView" must not be negative/],
    ['a centre view given as a shape', { centreView: [8, 32, 32] }, /"centreView" must be a number/],
  ];
  it.each(bad)('refuses %s, naming the source and the key', (_, overrides, message) => {
    const attempt = () => pipelineConfig('tiny', overrides as never, 'my.json');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^my\.json: /);
    expect(attempt).toThrow(message);
  });

  it('reads a centre view as the central fraction of the input, and 0 as none', () => {
    expect(centreViewShape(pipelineConfig('tiny', { centreView: 0.5 }))).toEqual([8, 32, 32]);
    expect(centreViewShape(pipelineConfig('tiny', { centreView: 0.25 }))).toEqual([4, 16, 16]);
    expect(centreViewShape(pipelineConfig('tiny', { centreView: 0 }))).toBeNull();
    expect(centreViewShape(pipelineConfig('paper'))).toBeNull();
    // Never fewer than one voxel along an axis.
    const thin = pipelineConfig('tiny', {
      cacheShape: [2, 40, 40],
      inputShape: [1, 32, 32],
      centreView: 0.3,
    });
    expect(centreViewShape(thin)).toEqual([1, 10, 10]);
  });

  it('accepts a negative window level (HU)', () => {
    expect(pipelineConfig('tiny', { window: [-600, 1500] }).window).toEqual([-600, 1500]);
  });
});

describe('readConfigOverrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads a JSON object', () => {
    expect(readConfigOverrides(file('ok.json', '{"image": {"epochs": 2}}'))).toEqual({
      image: { epochs: 2 },
    });
  });

  it('names the file when it is missing, not JSON or not an object', () => {
    expect(() => readConfigOverrides(join(dir, 'none.json'))).toThrow(
      /none\.json: cannot be read \(ENOENT\)/,
    );
    expect(() => readConfigOverrides(file('bad.json', '{"image": '))).toThrow(/bad\.json: is not valid JSON/);
    expect(() => readConfigOverrides(file('list.json', '[1, 2]'))).toThrow(
      /list\.json: must hold a JSON object/,
    );
  });
});

describe('--config on the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
  const configFile = (overrides: unknown) => {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(overrides));
    return path;
  };
  const small = { cacheShape: [6, 20, 20], inputShape: [4, 16, 16], widths: [4, 8, 8, 8] };

  it('reaches the model: bench measures the overridden input shape', async () => {
    const bench = await run([
      'bench',
      '--config',
      configFile(small),
      '--batch',
      '2',
      '--repeats',
      '1',
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(bench.code, bench.err).toBe(0);
    expect(JSON.parse(bench.out).input).toEqual([4, 16, 16]);
  });

  it('is recorded in the checkpoint a training stage writes', async () => {
    const manifest = await writeMiniCohort(join(dir, 'cohort'), 6, 3);
    const out = join(dir, 'run');
    const trained = await run([
      'train',
      'image',
      '--manifest',
      manifest,
      '--out',
      out,
      '--config',
      configFile({ ...small, image: { epochs: 1, batchSize: 4 } }),
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(trained.code, trained.err).toBe(0);
    expect(JSON.parse(trained.out)).toMatchObject({ stage: 'image', epochsRun: 1 });
    const saved = JSON.parse(
      readFileSync(join(out, 'checkpoints', 'stage1-image', 'last', 'config.json'), 'utf8'),
    );
    expect(JSON.stringify(saved)).toContain('"widths":[4,8,8,8]');
    expect(JSON.stringify(saved)).toContain('"batchSize":4');
  });

  it('gives a one-line error naming the file and the key, before any work', async () => {
    const wrong = configFile({ image: { epoch: 3 } });
    for (const argv of [
      ['demo', '--config', wrong],
      ['train', 'image', '--manifest', '/nowhere.jsonl', '--config', wrong, '--backend', 'cpu'],
      ['bench', '--config', wrong, '--backend', 'cpu'],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(1);
      expect(result.err.trim().split('\n')).toHaveLength(1);
      expect(result.err).toContain(`renal-clip: ${wrong}: "image.epoch" is not a pipeline config key`);
    }
    const missing = await run(['demo', '--config', join(dir, 'absent.json')]);
    expect(missing.err).toMatch(/absent\.json: cannot be read \(ENOENT\)/);
  });
});
