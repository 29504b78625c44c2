// Node ESM resolve hook for running the built library outside a bundler (the benchmark only):
// renal-core's dist imports tfjs-core's ESM gradient registrations, whose extensionless relative
// imports (written for bundlers) Node refuses. Retry them with '.js' or '/index.js'.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const retry = ['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'].includes(error?.code);
    if (!retry || specifier.endsWith('.js')) throw error;
    try {
      return await nextResolve(`${specifier}.js`, context);
    } catch {
      return nextResolve(`${specifier}/index.js`, context);
    }
  }
}
