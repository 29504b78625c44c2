/**
 * Slow, obvious O(n²) reference implementations, written straight from the definitions, to check the
 * fast algorithms on random data with ties and censoring.
 */

/** Comparable per the shared rule: i had an event and j outlived it (later, or censored at the same time). */
export function comparable(time: number[], event: number[], i: number, j: number): boolean {
  if (i === j || event[i] !== 1) return false;
  return time[j] > time[i] || (time[j] === time[i] && event[j] === 0);
}

/** Harrell's C by enumerating all ordered pairs. */
export function harrellOracle(
  time: number[],
  event: number[],
  risk: number[],
  weights?: number[],
  strata?: number[],
) {
  let concordant = 0;
  let discordant = 0;
  let tied = 0;
  const n = time.length;
  // Per subject, the partner-weighted pairs it belongs to, for the jackknife standard error.
  const per = Array.from({ length: n }, () => ({ c: 0, d: 0, t: 0 }));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (strata && strata[i] !== strata[j]) continue;
      if (!comparable(time, event, i, j)) continue;
      const wi = weights ? weights[i] : 1;
      const wj = weights ? weights[j] : 1;
      const kind = risk[i] > risk[j] ? 'c' : risk[i] < risk[j] ? 'd' : 't';
      per[i][kind] += wj;
      per[j][kind] += wi;
      if (kind === 'c') concordant += wi * wj;
      else if (kind === 'd') discordant += wi * wj;
      else tied += wi * wj;
    }
  }
  const pairs = concordant + discordant + tied;
  const somers = (concordant - discordant) / pairs;
  let variance = 0;
  for (let k = 0; k < n; k++) {
    const dfbeta =
      (weights ? weights[k] : 1) *
      ((per[k].c - per[k].d) / pairs - (somers / pairs) * (per[k].c + per[k].d + per[k].t));
    variance += dfbeta * dfbeta;
  }
  return { concordant, discordant, tied, c: (concordant + tied / 2) / pairs, se: Math.sqrt(variance / 4) };
}

/** Reverse Kaplan–Meier G(t−) of the censoring times, by direct products. */
export function censoringBefore(time: number[], event: number[], t: number): number {
  const censorTimes = [...new Set(time.filter((_, i) => event[i] === 0))].filter((c) => c < t);
  let g = 1;
  for (const c of censorTimes) {
    // Deaths at c happen before the censorings at c, so they are not at risk of censoring.
    const atRisk = time.filter((s, i) => s > c || (s === c && event[i] === 0)).length;
    const censored = time.filter((s, i) => s === c && event[i] === 0).length;
    g *= 1 - censored / atRisk;
  }
  return g;
}

/** G(t) (right-continuous). */
export function censoringAt(time: number[], event: number[], t: number): number {
  return censoringBefore(time, event, t + 1e-9 * Math.max(1, Math.abs(t)));
}

/** Uno's C by enumeration. */
export function unoOracle(time: number[], event: number[], risk: number[], tau = Number.POSITIVE_INFINITY) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < time.length; i++) {
    if (event[i] !== 1 || time[i] > tau) continue;
    const g = censoringBefore(time, event, time[i]);
    for (let j = 0; j < time.length; j++) {
      if (!comparable(time, event, i, j)) continue;
      const w = 1 / (g * g);
      den += w;
      num += risk[i] > risk[j] ? w : risk[i] === risk[j] ? w / 2 : 0;
    }
  }
  return num / den;
}

/** Cumulative/dynamic AUC at t by enumeration. */
export function aucOracle(time: number[], event: number[], risk: number[], t: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < time.length; i++) {
    if (!(event[i] === 1 && time[i] <= t)) continue;
    const w = 1 / censoringBefore(time, event, time[i]);
    for (let j = 0; j < time.length; j++) {
      if (!(time[j] > t)) continue;
      den += w;
      num += risk[i] > risk[j] ? w : risk[i] === risk[j] ? w / 2 : 0;
    }
  }
  return num / den;
}

/**
 * Negative log partial likelihood by summing over every event's risk set (no sorting, no cumulative sums):
 * Breslow or Efron, with weights, as a plain function of η (for finite differences).
 */
export function coxNllOracle(
  eta: number[],
  time: number[],
  event: number[],
  weights: number[],
  ties: 'breslow' | 'efron',
): number {
  let nll = 0;
  const eventTimes = [...new Set(time.filter((_, i) => event[i] === 1))];
  for (const t of eventTimes) {
    const deaths = time.flatMap((s, i) => (s === t && event[i] === 1 && weights[i] > 0 ? [i] : []));
    if (deaths.length === 0) continue;
    let risk = 0;
    for (let j = 0; j < time.length; j++) if (time[j] >= t) risk += weights[j] * Math.exp(eta[j]);
    const deathRisk = deaths.reduce((s, i) => s + weights[i] * Math.exp(eta[i]), 0);
    const dw = deaths.reduce((s, i) => s + weights[i], 0);
    for (const i of deaths) nll -= weights[i] * eta[i];
    if (ties === 'breslow') nll += dw * Math.log(risk);
    else
      for (let r = 0; r < deaths.length; r++)
        nll += (dw / deaths.length) * Math.log(risk - (r / deaths.length) * deathRisk);
  }
  return nll;
}
