import { generatePatient, patientSeed, ATTRIBUTES, auc, concordanceIndex } from '../dist/index.js';
import { Rng } from 'renal-core';
const n = +(process.argv[2] || 1000);
const kid = []; const pats = [];
for (let i = 0; i < n; i++) { const p = generatePatient(new Rng(patientSeed(7, i)), { preset: 'tiny', render: false }); pats.push(p); kid.push(p.kidneys.R, p.kidneys.L); }
const withMass = kid.filter(k => k.masses.length);
console.log('kidneys', kid.length, 'with mass', withMass.length, 'malignant', withMass.filter(k=>k.malignant).length, 'aggr', withMass.filter(k=>k.aggressive).length);
const path = {}; for (const k of withMass) path[k.masses[0].pathology.pathology] = (path[k.masses[0].pathology.pathology]||0)+1; console.log(path);
const fam = {}; for (const k of withMass) { const key=k.masses[0].features.family+'->'+k.masses[0].pathology.pathology; fam[key]=(fam[key]||0)+1;} console.log(fam);
ATTRIBUTES.forEach((a, i) => { const c = new Array(a.classes.length + 1).fill(0); for (const k of kid) { const v = k.attributes[i]; c[v < 0 ? a.classes.length : v]++; } console.log(a.name.padEnd(20), c.join(' ')); });
const rc = {R:{},E:{},N:{},A:{},L:{},H:{}}; for (const k of withMass) for (const key in rc) rc[key][k.renal[key]]=(rc[key][k.renal[key]]||0)+1; console.log(JSON.stringify(rc));
console.log('oracle mal auc', auc(withMass.map(k=>k.malignancyProbability), withMass.map(k=>k.malignant)).toFixed(3));
console.log('C rfs', concordanceIndex(pats.map(p=>p.rfsRisk), pats.map(p=>p.rfs)).toFixed(3), 'C dss', concordanceIndex(pats.map(p=>p.diseaseRisk), pats.map(p=>p.dss)).toFixed(3));
const mal = pats.filter(p=>p.kidneys.L.malignant||p.kidneys.R.malignant);
console.log('C rfs malignant', concordanceIndex(mal.map(p=>p.diseaseRisk), mal.map(p=>p.rfs)).toFixed(3), 'n', mal.length, 'events', mal.filter(p=>p.rfs.event).length, 'dss ev', mal.filter(p=>p.dss.event).length);
console.log('events all rfs/dss/os', pats.filter(p=>p.rfs.event).length, pats.filter(p=>p.dss.event).length, pats.filter(p=>p.os.event).length);
// size vs R
const sz = {}; for (const k of withMass) { const s=k.trueAttributes[2]; sz[s]=sz[s]||[0,0]; sz[s][0]+=k.renal.R; sz[s][1]++; } console.log('mean R by size', Object.entries(sz).map(([s,[a,b]])=>s+':'+(a/b).toFixed(2)).join(' '));
const het = (m)=>withMass.filter(k=>k.malignant===m && k.trueAttributes[5]>=0); console.log('heterog frac malignant', (het(true).filter(k=>k.trueAttributes[5]===1).length/het(true).length).toFixed(2), 'benign', (het(false).filter(k=>k.trueAttributes[5]===1).length/het(false).length).toFixed(2));
