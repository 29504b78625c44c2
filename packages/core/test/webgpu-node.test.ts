import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, setupNodeWebGpu, tf } from '../src/index.js';
import { useBackend } from './helpers/harness.js';

describe('WebGPU under Node (Dawn from the webgpu package, on the CPU)', () => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('initBackend("webgpu") sets it up in one call, and setupNodeWebGpu is idempotent', async (ctx) => {
    const reason = await useBackend('webgpu');
    if (reason !== undefined) ctx.skip(reason);
    expect(tf.getBackend()).toBe('webgpu');
    await setupNodeWebGpu();
    await setupNodeWebGpu();
    const y = tf.add(tf.tensor1d([1, 2, 3]), 1);
    expect(Array.from(await y.data())).toEqual([2, 3, 4]);
    y.dispose();
  });
});
