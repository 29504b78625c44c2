import { argsort } from '../math/sort.js';

/** Per distinct time (ascending): how many were at risk, died, and were censored (weighted counts). */
export interface RiskTable {
  /** Distinct observed times, ascending (event and censoring times alike, as R's survfit reports). */
  times: Float64Array;
  /** Σ weights of subjects with time ≥ t. */
  nRisk: Float64Array;
  /** Σ weights of events at t. */
  nEvent: Float64Array;
  /** Σ weights of censorings at t. */
  nCensor: Float64Array;
}

/** Builds the risk table of right-censored data (validated inputs). */
export function riskTable(time: Float64Array, event: Uint8Array, weight: Float64Array): RiskTable {
  const order = argsort(time);
  const n = time.length;
  const times: number[] = [];
  const nEvent: number[] = [];
  const nCensor: number[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    total += weight[i];
    if (k === 0 || time[i] !== time[order[k - 1]]) {
      times.push(time[i]);
      nEvent.push(0);
      nCensor.push(0);
    }
    const last = times.length - 1;
    if (event[i] === 1) nEvent[last] += weight[i];
    else nCensor[last] += weight[i];
  }
  const nRisk = new Float64Array(times.length);
  let atRisk = total;
  for (let k = 0; k < times.length; k++) {
    nRisk[k] = atRisk;
    atRisk -= nEvent[k] + nCensor[k];
  }
  return {
    times: Float64Array.from(times),
    nRisk,
    nEvent: Float64Array.from(nEvent),
    nCensor: Float64Array.from(nCensor),
  };
}
