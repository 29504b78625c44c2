#!/usr/bin/env node
import { register } from 'node:module';

// Lets plain `node` load tfjs-core's extension-less deep imports (see resolve-hook.ts) before anything imports tfjs.
register('./resolve-hook.js', import.meta.url);

const { runCli } = await import('./cli/program.js');
process.exitCode = await runCli(process.argv.slice(2));
