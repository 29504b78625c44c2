// Loads ../dist/index.js under plain Node (see resolve-hooks.mjs). tfjs-core's CommonJS entry is
// imported first so that it creates the global engine and Tensor class; the ESM copy pulled in by
// the gradient registrations then finds and reuses them (tfjs keeps both in globals).
import { register } from 'node:module';

register(new URL('./resolve-hooks.mjs', import.meta.url));
await import('@tensorflow/tfjs-core');
export const core = await import('../dist/index.js');
