import { assertNoLeaks, type RawTensor, tf, toFloat32 } from 'renal-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeHeads,
  ClassificationHead,
  CoxHead,
  importTorchStateDict,
  inferResNet3dOptions,
  multiTaskAttributeLoss,
  ProjectionHead,
  RENAL_ATTRIBUTE_CLASSES,
  ResNet3d,
} from '../src/index.js';
import { fromTorchLayout } from '../src/weights/layout.js';
import { BACKENDS, expectClose, get, loadFixture, useBackend, volumeFromTorch } from './helpers.js';

/** Forward outputs and losses: within 1e-4 of PyTorch's float64 numbers, relative to their magnitude. */
const TOL = 1e-4;
/**
 * Gradients pass through batch norms over 2-value batches (ill-conditioned): PyTorch's own float32
 * gradients differ from its float64 ones by up to 7.5e-4 relative on these fixtures.
 */
const GRAD_TOL = 3e-3;

interface Models {
  net: ResNet3d;
  attr: AttributeHeads;
  proj: ProjectionHead;
  mlp: ProjectionHead;
  cls: ClassificationHead;
  cox: CoxHead;
}

/** The RenalCLIP-style file: everything under `module.`, the encoder under `module.backbone.image_encoder.`. */
function buildResNet18a(fx: Map<string, RawTensor>): Models {
  const net = new ResNet3d({ depth: 18, shortcut: 'A', widths: [2, 4, 4, 8] });
  const report = importTorchStateDict(net, fx, { source: 'resnet18a' });
  expect(report.prefix).toBe('module.backbone.image_encoder.');
  const attr = new AttributeHeads({ inFeatures: 8 });
  importTorchStateDict(attr, fx, { prefix: 'module.attribute_heads.' });
  const proj = new ProjectionHead({ inFeatures: 8, outFeatures: 6 });
  importTorchStateDict(proj, fx, { prefix: 'module.projection.' });
  const mlp = new ProjectionHead({ inFeatures: 8, outFeatures: 6, hidden: 5 });
  importTorchStateDict(mlp, fx, { prefix: 'module.projection_mlp.' });
  const cls = new ClassificationHead({ inFeatures: 8, hidden: 6, numClasses: 3 });
  importTorchStateDict(cls, fx, { prefix: 'module.cls_head.' });
  const cox = new CoxHead({ inFeatures: 8, hidden: 6 });
  importTorchStateDict(cox, fx, { prefix: 'module.cox_head.' });
  return { net, attr, proj, mlp, cls, cox };
}

function labelsOf(fx: Map<string, RawTensor>): number[][] {
  const flat = Array.from(toFloat32(get(fx, 'labels')));
  return [flat.slice(0, 14), flat.slice(14, 28)];
}

function classWeightsOf(fx: Map<string, RawTensor>): number[][] {
  return RENAL_ATTRIBUTE_CLASSES.map((_, a) => Array.from(toFloat32(get(fx, `class_weights.${a}`))));
}

/** A PyTorch gradient in our layout (conv filters permuted on the CPU, vectors as they are). */
function ourGrad(raw: RawTensor): RawTensor {
  if (raw.shape.length !== 5) return raw;
  const t = fromTorchLayout('conv', { shape: raw.shape, data: toFloat32(raw) });
  return { dtype: 'F32', shape: t.shape, data: t.data };
}

for (const backend of BACKENDS) {
  describe(`against PyTorch on ${backend}`, () => {
    let available = false;
    let fx18: Map<string, RawTensor>;
    let fx50: Map<string, RawTensor>;
    let fx10: Map<string, RawTensor>;
    let fxMed: Map<string, RawTensor>;
    beforeAll(async () => {
      fxMed = await loadFixture('medicalnet10a');
      fx10 = await loadFixture('monai10b');
      available = await useBackend(backend);
      fx18 = await loadFixture('resnet18a');
      fx50 = await loadFixture('resnet50b');
    });
    afterAll(async () => {
      await useBackend('cpu');
    });

    it('ResNet-18 shortcut A: pooled features and every head in eval mode', async (ctx) => {
      if (!available) ctx.skip();
      const m = buildResNet18a(fx18);
      const x = volumeFromTorch(get(fx18, 'input'));
      await assertNoLeaks(async () => {
        const pooled = m.net.apply(x);
        await expectClose(pooled, get(fx18, 'expected.pooled'), TOL, 'pooled');
        const logits = m.attr.apply(pooled);
        for (const [a, l] of logits.entries())
          await expectClose(l, get(fx18, `expected.attr.${a}`), TOL, `attr ${a}`);
        const heads = {
          projection: m.proj.apply(pooled),
          projection_mlp: m.mlp.apply(pooled),
          cls: m.cls.apply(pooled),
          cox: m.cox.apply(pooled),
        };
        for (const [name, t] of Object.entries(heads))
          await expectClose(t, get(fx18, `expected.${name}`), TOL, name);
        const loss = multiTaskAttributeLoss(logits, labelsOf(fx18), classWeightsOf(fx18));
        await expectClose(loss, get(fx18, 'expected.loss_eval'), TOL, 'multi-task loss');
        return [pooled, logits, heads, loss];
      }, 'eval forward');
      x.dispose();
      for (const module of Object.values(m)) module.dispose();
    });

    it('ResNet-18 shortcut A: one training step gives the same loss, BN statistics and gradients', async (ctx) => {
      if (!available) ctx.skip();
      const m = buildResNet18a(fx18);
      const x = volumeFromTorch(get(fx18, 'input'));
      const labels = labelsOf(fx18);
      const weights = classWeightsOf(fx18);
      const watched = [
        'conv1.weight',
        'layer1.0.conv1.weight',
        'layer2.0.conv1.weight',
        'layer4.1.bn2.weight',
      ];
      await assertNoLeaks(async () => {
        let kept: tf.Tensor[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const pooled = m.net.apply(x, { training: true });
          const loss = multiTaskAttributeLoss(m.attr.apply(pooled, { training: true }), labels, weights);
          kept = [tf.keep(pooled), tf.keep(m.cls.apply(pooled, { training: true }))];
          return loss;
        }, [...watched.map((n) => m.net.params.get(n)), m.attr.params.get('heads.0.weight')]);
        await expectClose(kept[0], get(fx18, 'expected.train.pooled'), TOL, 'train-mode pooled');
        await expectClose(kept[1], get(fx18, 'expected.train.cls'), TOL, 'train-mode classification head');
        await expectClose(value, get(fx18, 'expected.train.loss'), TOL, 'training loss');
        for (const [name, p] of m.net.params.entries) {
          if (name.includes('running'))
            await expectClose(p.variable, get(fx18, `expected.train.${name}`), TOL, name);
        }
        for (const name of ['1.running_mean', '1.running_var']) {
          await expectClose(
            m.cls.params.get(name),
            get(fx18, `expected.train.cls.${name}`),
            TOL,
            `cls ${name}`,
          );
        }
        for (const name of watched) {
          const g = grads[m.net.params.get(name).name];
          await expectClose(g, ourGrad(get(fx18, `expected.grad.${name}`)), GRAD_TOL, `gradient of ${name}`);
        }
        return [kept, value, Object.values(grads)];
      }, 'train step');
      x.dispose();
      for (const module of Object.values(m)) module.dispose();
    });

    it('MONAI-style ResNet-10: biased shortcut convs, stem stride [1, 2, 2], architecture read from the file', async (ctx) => {
      if (!available) ctx.skip();
      const shapes = new Map([...fx10].map(([k, t]) => [k, t.shape]));
      const options = inferResNet3dOptions(shapes, 'model.');
      expect(options).toMatchObject({ depth: 10, shortcut: 'B', downsampleBias: true, widths: [2, 4, 4, 4] });
      const net = new ResNet3d({ ...options, stemStride: [1, 2, 2] });
      importTorchStateDict(net, fx10, { ignore: ['fc.'] });
      const x = volumeFromTorch(get(fx10, 'input'));
      await assertNoLeaks(async () => {
        const pooled = net.apply(x);
        await expectClose(pooled, get(fx10, 'expected.pooled'), TOL, 'pooled');
        const train = net.apply(x, { training: true });
        await expectClose(train, get(fx10, 'expected.train.pooled'), TOL, 'train-mode pooled');
        for (const [name, p] of net.params.entries) {
          if (name.includes('running'))
            await expectClose(p.variable, get(fx10, `expected.train.${name}`), TOL, name);
        }
        return [pooled, train];
      }, 'monai10b');
      x.dispose();
      net.dispose();
    });

    it('MedicalNet-style ResNet-10: layer strides [1, 2, 1, 1], dilations [1, 1, 2, 4], shortcut A', async (ctx) => {
      if (!available) ctx.skip();
      const net = new ResNet3d({
        depth: 10,
        widths: [2, 4, 8, 8],
        layerStrides: [1, 2, 1, 1],
        layerDilations: [1, 1, 2, 4],
      });
      expect(importTorchStateDict(net, fxMed, { ignore: ['input', 'expected.'] }).prefix).toBe('module.');
      const x = volumeFromTorch(get(fxMed, 'input'));
      await assertNoLeaks(async () => {
        const pooled = net.apply(x);
        await expectClose(pooled, get(fxMed, 'expected.pooled'), TOL, 'pooled');
        const weights = tf.range(1, 9);
        const names = ['layer3.0.conv1.weight', 'layer4.0.conv2.weight'];
        let trainPooled: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(
          () => {
            trainPooled = tf.keep(net.apply(x, { training: true }));
            return tf.sum(tf.mul(trainPooled, weights)) as tf.Scalar;
          },
          names.map((n) => net.params.get(n)),
        );
        await expectClose(trainPooled!, get(fxMed, 'expected.train.pooled'), TOL, 'train-mode pooled');
        for (const [name, p] of net.params.entries) {
          if (name.includes('running'))
            await expectClose(p.variable, get(fxMed, `expected.train.${name}`), TOL, name);
        }
        for (const name of names) {
          await expectClose(
            grads[net.params.get(name).name],
            ourGrad(get(fxMed, `expected.grad.${name}`)),
            GRAD_TOL,
            name,
          );
        }
        return [pooled, weights, trainPooled, value, Object.values(grads)];
      }, 'medicalnet10a');
      x.dispose();
      net.dispose();
    });

    it('ResNet-50 shortcut B, 2 channels, [3,7,7] stem, no max-pool: eval and train mode', async (ctx) => {
      if (!available) ctx.skip();
      const net = new ResNet3d({
        depth: 50,
        shortcut: 'B',
        widths: [2, 2, 2, 2],
        inChannels: 2,
        stemKernel: [3, 7, 7],
        stemStride: [1, 2, 2],
        maxPool: false,
      });
      const report = importTorchStateDict(net, fx50, { ignore: ['fc.', 'input', 'expected.'] });
      expect(report.prefix).toBe('');
      const x = volumeFromTorch(get(fx50, 'input'));
      await assertNoLeaks(async () => {
        const pooled = net.apply(x);
        await expectClose(pooled, get(fx50, 'expected.pooled'), TOL, 'pooled');
        const weights = tf.range(1, 9);
        const names = ['conv1.weight', 'layer1.0.downsample.0.weight', 'layer4.2.bn3.weight'];
        let trainPooled: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(
          () => {
            trainPooled = tf.keep(net.apply(x, { training: true }));
            return tf.sum(tf.mul(trainPooled, weights)) as tf.Scalar;
          },
          names.map((n) => net.params.get(n)),
        );
        await expectClose(trainPooled!, get(fx50, 'expected.train.pooled'), TOL, 'train-mode pooled');
        for (const [name, p] of net.params.entries) {
          if (name.includes('running'))
            await expectClose(p.variable, get(fx50, `expected.train.${name}`), TOL, name);
        }
        for (const name of names) {
          await expectClose(
            grads[net.params.get(name).name],
            ourGrad(get(fx50, `expected.grad.${name}`)),
            GRAD_TOL,
            name,
          );
        }
        return [pooled, weights, trainPooled, value, Object.values(grads)];
      }, 'resnet50b');
      x.dispose();
      net.dispose();
    });
  });
}
