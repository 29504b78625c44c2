/**
 * Geometry of a mass against its kidney, and the R.E.N.A.L. nephrometry score by its clinical definitions
 * (Kutikov & Uzzo, J Urol 2009), measured on a fixed grid of points inside the mass.
 */
import { ellipsoidRadius, type KidneyGeometry, toLocal } from './anatomy.js';
import type { MassFeatures } from './mass.js';
import { maxDiameterCm } from './mass.js';
import type { RenalScore, Vec3 } from './types.js';

/** Measurements of a mass relative to its kidney. */
export interface MassGeometry {
  /** Fraction of the mass volume outside the kidney outline. */
  exophyticFraction: number;
  /** Fractions of the mass volume above the upper polar line, between the lines, below the lower one. */
  upper: number;
  interpolar: number;
  lower: number;
  /** The mass extends on both sides of the kidney's axial midplane (w = 0). */
  crossesMidline: boolean;
  /** Gap (mm) from the mass edge to the renal sinus / the collecting system; negative means overlap. */
  sinusGap: number;
  pelvisGap: number;
  /** Gap (mm) from the mass edge to the hilum (where the main vessels enter). */
  hilumGap: number;
  /** The mass centre lies within the renal sinus. */
  central: boolean;
  /** Local v of the mass centre over the kidney's v semi-axis (anterior positive). */
  anteriorOffset: number;
}

const GRID = 9;

/** Points (mm, voxel-axis frame) filling the mass ellipsoid on a fixed grid. */
function massPoints(m: MassFeatures): Vec3[] {
  const points: Vec3[] = [];
  for (let a = 0; a < GRID; a++) {
    for (let b = 0; b < GRID; b++) {
      for (let c = 0; c < GRID; c++) {
        const q = [a, b, c].map((t) => ((t + 0.5) / GRID) * 2 - 1);
        if (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] > 1) continue;
        points.push([
          m.center[0] + (q[0] * m.diameters[0]) / 2,
          m.center[1] + (q[1] * m.diameters[1]) / 2,
          m.center[2] + (q[2] * m.diameters[2]) / 2,
        ]);
      }
    }
  }
  return points;
}

/** Signed distance (mm, approximate) from a point to the mass ellipsoid surface. */
function distanceToMass(m: MassFeatures, p: Vec3): number {
  const d = [p[0] - m.center[0], p[1] - m.center[1], p[2] - m.center[2]];
  const len = Math.hypot(d[0], d[1], d[2]);
  if (len === 0) return -Math.min(...m.diameters) / 2;
  let s = 0;
  for (let i = 0; i < 3; i++) s += (d[i] / len / (m.diameters[i] / 2)) ** 2;
  return len - 1 / Math.sqrt(s);
}

/** Smallest gap between the mass and a local-frame ellipsoid of the kidney, sampled on its surface. */
function gapToEllipsoid(kidney: KidneyGeometry, m: MassFeatures, center: Vec3, axes: Vec3): number {
  let best = Number.POSITIVE_INFINITY;
  const steps = 16;
  for (let i = 0; i <= steps; i++) {
    const theta = (Math.PI * i) / steps;
    for (let j = 0; j < 2 * steps; j++) {
      const phi = (Math.PI * j) / steps;
      const local: Vec3 = [
        center[0] + axes[0] * Math.sin(theta) * Math.cos(phi),
        center[1] + axes[1] * Math.sin(theta) * Math.sin(phi),
        center[2] + axes[2] * Math.cos(theta),
      ];
      const world: Vec3 = [
        kidney.center[0] + local[0] * kidney.eu[0] + local[1] * kidney.ev[0],
        kidney.center[1] + local[0] * kidney.eu[1] + local[1] * kidney.ev[1],
        kidney.center[2] + local[2],
      ];
      best = Math.min(best, distanceToMass(m, world));
    }
  }
  // A mass that swallows the whole ellipsoid overlaps it by at least its own depth.
  const inside = ellipsoidRadius(toLocal(kidney, m.center), center, axes) < 1;
  return inside ? Math.min(best, -best) : best;
}

/** Measures a mass against its kidney. */
export function measureMass(kidney: KidneyGeometry, m: MassFeatures): MassGeometry {
  const points = massPoints(m);
  let outside = 0;
  let upper = 0;
  let lower = 0;
  let above = false;
  let below = false;
  for (const p of points) {
    const q = toLocal(kidney, p);
    if (ellipsoidRadius(q, [0, 0, 0], kidney.axes) > 1) outside++;
    if (q[2] > kidney.polarW) upper++;
    else if (q[2] < -kidney.polarW) lower++;
    if (q[2] > 0) above = true;
    else below = true;
  }
  const n = points.length;
  const local = toLocal(kidney, m.center);
  const hilum: Vec3 = [-0.97 * kidney.axes[0], 0, 0];
  return {
    exophyticFraction: outside / n,
    upper: upper / n,
    lower: lower / n,
    interpolar: (n - upper - lower) / n,
    crossesMidline: above && below,
    sinusGap: gapToEllipsoid(kidney, m, kidney.sinusCenter, kidney.sinusAxes),
    pelvisGap: gapToEllipsoid(kidney, m, kidney.pelvisCenter, kidney.pelvisAxes),
    hilumGap: distanceToMass(m, [
      kidney.center[0] + hilum[0] * kidney.eu[0],
      kidney.center[1] + hilum[0] * kidney.eu[1],
      kidney.center[2],
    ]),
    central: ellipsoidRadius(local, kidney.sinusCenter, kidney.sinusAxes) < 1,
    anteriorOffset: local[1] / kidney.axes[1],
  };
}

/** R.E.N.A.L. parts of a mass from its size and geometry. */
export function renalScore(m: MassFeatures, g: MassGeometry): RenalScore {
  const d = maxDiameterCm(m);
  const R = d <= 4 ? 1 : d < 7 ? 2 : 3;
  const E = g.exophyticFraction >= 0.5 ? 1 : g.exophyticFraction > 0 ? 2 : 3;
  const N = g.sinusGap >= 7 ? 1 : g.sinusGap > 4 ? 2 : 3;
  const A = g.anteriorOffset > 0.25 ? 'a' : g.anteriorOffset < -0.25 ? 'p' : 'x';
  const polar = g.upper + g.lower;
  const L = g.interpolar === 0 ? 1 : g.crossesMidline || g.interpolar > 0.5 || polar === 0 ? 3 : 2;
  return { R, E, N, A, L, H: g.hilumGap <= 5 };
}

/** Total R.E.N.A.L. score (4–12) from its parts. */
export function renalTotal(score: RenalScore): number {
  return score.R + score.E + score.N + score.L;
}
