// Resolution fallback for plain Node: tfjs-core's ESM files (which renal-core's gradient registrations
// load) import their siblings without file extensions. When such a specifier fails to resolve, retry it
// with `.js`, then `/index.js`. Only failing resolutions are touched.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fixable = error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'ERR_UNSUPPORTED_DIR_IMPORT';
    if (!fixable || specifier.endsWith('.js')) throw error;
    try {
      return await nextResolve(`${specifier}.js`, context);
    } catch {
      return nextResolve(`${specifier}/index.js`, context);
    }
  }
}
