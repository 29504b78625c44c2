// The most a model that sees one kidney can reach on RFS: the C-index of the true disease risk of that kidney's
// own carcinomas, over the malignant test kidneys of a demo cohort, beside the patient's true RFS risk (which
// also holds the other kidney's carcinomas and the age). Regenerates each cohort's patients without rendering.
// Usage: node kidney-ceiling.mjs [SEED…]   (default seeds 0–5; 300 patients split 60/15/25 as the demo)
import { Rng } from 'renal-core';
import { assignSplits, concordanceIndex, diseaseRisk, generatePatient, patientSeed } from 'renal-synth';

const PATIENTS = 300;
const seeds = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [0, 1, 2, 3, 4, 5];
for (const seed of seeds) {
  const splits = assignSplits(PATIENTS, seed, [0.6, 0.15, 0.25]);
  const own = [];
  const patientRisk = [];
  const outcomes = [];
  for (let i = 0; i < PATIENTS; i++) {
    if (splits[i] !== 'test') continue;
    const patient = generatePatient(new Rng(patientSeed(seed, i)), { render: false });
    for (const kidney of [patient.kidneys.R, patient.kidneys.L]) {
      if (!kidney.malignant) continue;
      own.push(
        diseaseRisk(
          kidney.masses.map((m) => m.pathology).filter((p) => p.malignant),
          1,
        ),
      );
      patientRisk.push(patient.rfsRisk);
      outcomes.push(patient.rfs);
    }
  }
  const c = (risk) => concordanceIndex(risk, outcomes).toFixed(3);
  console.log(
    `seed ${seed}: ${outcomes.length} malignant test kidneys — own carcinoma ${c(own)}, patient ${c(patientRisk)}`,
  );
}
