import { generatePatient } from '../dist/index.js';
import { Rng } from 'renal-core';
const preset = process.argv[2] || 'paper';
let t=performance.now();
for (let s=0;s<5;s++) generatePatient(new Rng(s), {preset, render:false});
console.log('no render ms', (performance.now()-t)/5);
t=performance.now();
for (let s=0;s<5;s++) generatePatient(new Rng(s), {preset});
console.log('render ms', (performance.now()-t)/5);
