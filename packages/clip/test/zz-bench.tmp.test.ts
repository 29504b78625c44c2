import { initBackend, tf } from 'renal-core';
import { ResNet3d, RESNET3D_PRESETS } from 'renal-resnet3d';
import { it } from 'vitest';
it('bench', async () => {
  for (const backend of ['wasm', 'cpu']) {
    await initBackend(backend as 'cpu');
    const net = new ResNet3d(RESNET3D_PRESETS.tiny.backbone, 1);
    console.log(backend, 'params', net.countParams());
    const x = tf.randomUniform([16, 16, 64, 64, 1]);
    for (let r = 0; r < 2; r++) {
      let t = Date.now();
      const y = net.apply(x, { training: false });
      await y.data();
      y.dispose();
      const f = Date.now() - t;
      t = Date.now();
      if (process.env.NOGRAD) {
        console.log(`${backend} batch16 fwd ${f} ms`);
        continue;
      }
      const { value, grads } = tf.variableGrads(
        () => net.apply(x, { training: true }).square().mean() as tf.Scalar,
        net.trainableVariables,
      );
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
      console.log(`${backend} batch16 fwd ${f} ms, fwd+bwd ${Date.now() - t} ms`);
    }
  }
}, 600000);
