// renal-core's dist imports tfjs-core's ESM registration files, and those import their siblings,
// without `.js` extensions (written for bundlers and vitest, which accept that). Node's own ESM loader
// refuses them; this resolve hook retries such specifiers with `.js` or `/index.js` so the benchmark
// runs under plain `node`.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
const codes = ['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'];
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const ours = specifier.startsWith('.') || specifier.startsWith('@tensorflow/');
    if (!codes.includes(error?.code) || !ours || specifier.endsWith('.js')) throw error;
    try {
      return await next(specifier + '.js', context);
    } catch {
      return next(specifier + '/index.js', context);
    }
  }
}`)}`,
);
