import { generatePatient } from '../dist/index.js';
import { Rng } from 'renal-core';
const orig = Int16Array;
let t0 = (process.cpuUsage().user/1000);
for (let s = 0; s < 8; s++) { const t = (process.cpuUsage().user/1000); generatePatient(new Rng(s), { preset: 'paper' }); console.log('patient', ((process.cpuUsage().user/1000) - t).toFixed(0)); }
console.log('renderPhase total', globalThis.__rp.toFixed(0), 'rasterise total', globalThis.__ra.toFixed(0));
