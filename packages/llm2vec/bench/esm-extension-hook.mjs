// Resolve hook for `pnpm bench`: lets plain Node load TensorFlow.js's deep ESM imports, which are written
// without file extensions ('@tensorflow/tfjs-core/dist/register_all_gradients', './gradients') and only
// resolve under a bundler. Retries a missing specifier (or a directory) with '.js', then '/index.js'.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (/\.[cm]?js$/.test(specifier)) throw error;
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw error;
    try {
      return await nextResolve(`${specifier}.js`, context);
    } catch {
      return nextResolve(`${specifier}/index.js`, context);
    }
  }
}
