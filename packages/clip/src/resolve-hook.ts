/**
 * A Node module-resolution hook for the CLI (registered by `cli.ts`). renal-core imports tfjs-core's gradient
 * and chained-op registrations by deep path (`@tensorflow/tfjs-core/dist/register_all_gradients`), whose ES
 * modules import each other without file extensions — fine for bundlers and vitest, refused by Node's own
 * ESM resolver. This hook retries such imports (into or inside @tensorflow packages only) with ".js" or
 * "/index.js". tfjs keeps its registries on globalThis, so the registrations reach the instance in use.
 */
type Next = (specifier: string, context: { parentURL?: string }) => Promise<unknown>;

const TFJS_PATH = /[\\/]@tensorflow[\\/]/;
const TFJS_DEEP_IMPORT = /^@tensorflow\/[^/]+\/dist\//;
const HAS_EXTENSION = /\.[cm]?js$/;

/** Node `resolve` hook. */
export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: Next,
): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTfjs =
      context.parentURL !== undefined && TFJS_PATH.test(context.parentURL) && specifier.startsWith('.');
    if (!(fromTfjs || TFJS_DEEP_IMPORT.test(specifier)) || HAS_EXTENSION.test(specifier)) throw error;
    try {
      return await next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  }
}
