// Node's ESM loader needs file extensions; tfjs-core's ESM files (pulled in through renal-core) omit them.
// Registering this resolve hook lets the benchmark run under plain `node` until renal-core ships a Node-safe entry.
import { register } from 'node:module';

if (!globalThis.__renalSynthHook) {
  globalThis.__renalSynthHook = true;
  register(
    `data:text/javascript,${encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        const inTf = context.parentURL?.includes('/@tensorflow/');
        const bare = /^@tensorflow\\/tfjs-core\\/dist\\//.test(specifier);
        if ((bare || (inTf && specifier.startsWith('.'))) && !/\\.m?js$/.test(specifier)) specifier += '.js';
        return next(specifier, context);
      }`)}`,
  );
}
