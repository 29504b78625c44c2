// Lets plain `node` load renal-core's dist, whose tfjs-core imports lack `.js` extensions (fine for bundlers and
// vitest, refused by Node's ESM loader): such specifiers are retried with `.js` or `/index.js`.
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const retry = (specifier.startsWith('.') || specifier.startsWith('@tensorflow/')) && !specifier.endsWith('.js');
    if (!retry || !['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'].includes(error?.code)) throw error;
    try {
      return await next(specifier + '.js', context);
    } catch {
      return next(specifier + '/index.js', context);
    }
  }
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
