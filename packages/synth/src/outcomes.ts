/**
 * Survival outcomes from a proportional-hazards model of a latent risk. Recurrence, cancer death (only after
 * recurrence) and death from other causes are competing exponential clocks; follow-up is censored. So a
 * disease-specific death is also a death, recurrence never comes after death, and RFS ≤ OS in time.
 */
import type { Rng } from 'renal-core';
import type { MassPathology } from './pathology.js';
import type { Outcome } from './types.js';

/** The patient's outcomes and the true risks they were drawn from (oracles). */
export interface PatientOutcomes {
  rfs: Outcome;
  dss: Outcome;
  os: Outcome;
  /** Log hazard of recurrence relative to baseline (the true disease risk). */
  diseaseRisk: number;
  /** Log of the total hazard of a recurrence-free-survival event (recurrence or any death) at baseline. */
  rfsRisk: number;
}

const RECURRENCE_BASE = 1 / 110;
const CANCER_DEATH_AFTER_RECURRENCE = 1 / 30;
const OTHER_DEATH_BASE = 1 / 480;

function exponential(rng: Rng, rate: number): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return -Math.log(u) / rate;
}

/**
 * Latent disease risk (log hazard of recurrence relative to baseline) of the worst of the given carcinomas —
 * grade, pT3, latent severity, M1, N1 and subtype — or a very low constant when there is none. A patient's
 * outcomes are drawn from it over all their carcinomas; given one kidney's carcinomas it is what that kidney
 * alone shows (the ceiling for an image of that kidney).
 */
export function diseaseRisk(carcinomas: MassPathology[], outcomeSignal: number): number {
  if (carcinomas.length === 0) return -4;
  let worst = Number.NEGATIVE_INFINITY;
  for (const p of carcinomas) {
    const subtype = p.pathology === 'clear_cell' ? 0.25 : p.pathology === 'chromophobe' ? -0.5 : 0;
    const linear =
      0.55 * ((p.isupGrade ?? 2) - 2) +
      0.9 * (p.tStage?.startsWith('3') ? 1 : 0) +
      0.45 * p.severity +
      1.1 * (p.mStage === '1' ? 1 : 0) +
      0.5 * (p.nStage === '1' ? 1 : 0) +
      subtype;
    worst = Math.max(worst, linear);
  }
  return -2.2 + 1.3 * outcomeSignal * worst;
}

/** Draws RFS, DSS and OS (months) for a patient of the given age and disease risk. */
export function sampleOutcomes(rng: Rng, age: number, risk: number): PatientOutcomes {
  const recurrenceRate = RECURRENCE_BASE * Math.exp(risk);
  const otherRate = OTHER_DEATH_BASE * Math.exp(0.07 * (age - 60));
  const recurrence = exponential(rng, recurrenceRate);
  const cancerDeath = recurrence + exponential(rng, CANCER_DEATH_AFTER_RECURRENCE * Math.exp(0.5 * risk));
  const otherDeath = exponential(rng, otherRate);
  const lost = rng.bernoulli(0.06);
  const followUp = lost ? rng.uniformIn(1, 12) : rng.uniformIn(12, 120);
  const death = Math.min(cancerDeath, otherDeath);
  const round = (t: number) => Math.max(0.1, Math.round(t * 10) / 10);
  const osTime = round(Math.min(death, followUp));
  const osEvent = death <= followUp;
  const rfsEventTime = Math.min(recurrence, death);
  const rfsTime = Math.min(round(Math.min(rfsEventTime, followUp)), osTime);
  return {
    os: { time: osTime, event: osEvent },
    dss: { time: osTime, event: osEvent && cancerDeath <= otherDeath },
    rfs: { time: rfsTime, event: rfsEventTime <= followUp },
    diseaseRisk: risk,
    rfsRisk: Math.log(recurrenceRate + otherRate),
  };
}
