import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // tfjs-core's gradient and chained-op registrations exist only as extensionless ESM files, which Node
  // cannot load. Bundling them lets plain `node` run our dist. They register into the one engine, kernel
  // and gradient registry that tfjs-core keeps on the global object, so the app's tfjs-core is still the
  // only one that counts.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
