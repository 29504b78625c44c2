import { generatePatient } from '../dist/index.js';
import { Rng } from 'renal-core';
const t=performance.now();
for (let s=0;s<6;s++){ const p = generatePatient(new Rng(s), {preset: process.argv[2]||'paper'});
 if (s<3) for (const side of ['R','L']) { const k=p.kidneys[side]; console.log(side, JSON.stringify(k.attributes), k.malignant, k.aggressive, k.masses.map(m=>m.features.family+':'+m.pathology.pathology).join(','), JSON.stringify(k.renal)); console.log(k.report); }
 console.log(p.rfs, p.dss, p.os, p.diseaseRisk.toFixed(2));
}
console.log('ms/patient', (performance.now()-t)/6);
