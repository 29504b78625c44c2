/**
 * WebGPU under Node, for tests: Dawn from the npm package `webgpu` (an optional dependency) on Mesa's
 * OpenGL ES driver, which runs on the CPU — for correctness checks, not speed. The recipe (FACTS.md):
 * EGL's surfaceless platform, Dawn's `opengles` backend, adapters requested at the `compatibility`
 * feature level (TensorFlow.js asks for a core adapter and would get none), and the package's WebGPU
 * classes plus `navigator.gpu` installed as globals before `@tensorflow/tfjs-backend-webgpu` loads.
 */

/** Why WebGPU could not be set up under Node (the `webgpu` package is missing, or has no adapter). */
export class NodeWebGpuUnavailableError extends Error {
  override name = 'NodeWebGpuUnavailableError';
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: Record<string, unknown>): Promise<unknown> };
  globals: Record<string, unknown>;
}

let setup: Promise<void> | undefined;

/** True when `navigator.gpu` already exists (a browser, Deno, or an earlier call). */
function hasNavigatorGpu(): boolean {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  return nav?.gpu !== undefined;
}

/**
 * Makes WebGPU available to TensorFlow.js under Node through the `webgpu` package. Idempotent; resolves
 * at once where `navigator.gpu` already exists. Must run before `@tensorflow/tfjs-backend-webgpu` is
 * first imported ({@link initBackend}`('webgpu')` calls it for you on Node).
 *
 * @throws {@link NodeWebGpuUnavailableError} when the package cannot be imported or gives no adapter.
 */
export function setupNodeWebGpu(): Promise<void> {
  setup ??= install().catch((error: unknown) => {
    setup = undefined;
    throw error;
  });
  return setup;
}

async function install(): Promise<void> {
  if (hasNavigatorGpu()) return;
  if (typeof process === 'undefined' || process.versions?.node === undefined) {
    throw new NodeWebGpuUnavailableError('no navigator.gpu in this environment');
  }
  // Mesa reads this when EGL initialises: no display server, so render offscreen.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  let dawn: DawnModule;
  try {
    const specifier = 'webgpu';
    dawn = (await import(/* @vite-ignore */ specifier)) as DawnModule;
  } catch (error) {
    throw new NodeWebGpuUnavailableError(
      `cannot import the optional package 'webgpu' (${(error as Error).message.split('\n')[0]})`,
    );
  }
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  const gpu = dawn.create(['backend=opengles']);
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = (options = {}) => requestAdapter({ ...options, featureLevel: 'compatibility' });
  const probe = await gpu.requestAdapter();
  if (probe === null || probe === undefined) {
    throw new NodeWebGpuUnavailableError("the 'webgpu' package found no adapter (Dawn on OpenGL ES via EGL)");
  }
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(globalThis as { navigator?: object }).navigator, gpu },
    configurable: true,
    writable: true,
  });
}
