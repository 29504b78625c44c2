import { generateCohort } from '../dist/index.js';
const [out, n, preset, layout] = process.argv.slice(2);
const t = performance.now(); const c0 = process.cpuUsage();
const s = await generateCohort({ out, patients: +n, seed: 1, preset, layout });
const c = process.cpuUsage(c0);
console.log(JSON.stringify(s.oracle), s.splits, 'wall s', ((performance.now() - t) / 1000).toFixed(1), 'cpu s', ((c.user + c.system) / 1e6).toFixed(1));
