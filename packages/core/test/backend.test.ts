import { afterAll, describe, expect, it } from 'vitest';
import { assertNoLeaks, BackendUnavailableError, initBackend, TensorLeakError, tf } from '../src/index.js';

describe('initBackend', () => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('starts cpu and wasm by name and returns the active backend', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('auto picks wasm on Node when tfjs-node is not installed', async () => {
    const name = await initBackend('auto');
    expect(['tensorflow', 'wasm']).toContain(name);
  });

  it('RENAL_BACKEND overrides the argument', async () => {
    process.env.RENAL_BACKEND = 'cpu';
    try {
      expect(await initBackend('wasm')).toBe('cpu');
    } finally {
      delete process.env.RENAL_BACKEND;
    }
  });

  it('names the backend that cannot start', async () => {
    await expect(initBackend('nonsense' as 'cpu')).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('nonsense' as 'cpu')).rejects.toThrow(/nonsense/);
  });
});

describe('assertNoLeaks', () => {
  it('passes for tidy code and returned tensors, and catches a leak', async () => {
    await initBackend('cpu');
    await assertNoLeaks(() => tf.tidy(() => tf.add(tf.ones([3]), 1)));
    await assertNoLeaks(() => ({ a: tf.ones([2]), b: [tf.zeros([1])] }));
    let leaked: tf.Tensor | undefined;
    await expect(
      assertNoLeaks(() => {
        leaked = tf.ones([2]);
        tf.add(leaked, 1);
        return leaked;
      }, 'leaky op'),
    ).rejects.toThrow(TensorLeakError);
  });
});
