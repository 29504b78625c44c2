/**
 * Patient anatomy in millimetres: body outline, muscles, spine, vessels, liver, spleen, bowel and the two
 * kidneys (each with its own local frame), sampled per patient with plausible variation.
 */
import type { Rng } from 'renal-core';
import type { GridSpec } from './options.js';
import type { Side, Vec3 } from './types.js';

/** A kidney's geometry: an ellipsoid in a local frame (u lateral, v anterior, w superior). */
export interface KidneyGeometry {
  side: Side;
  /** Centre in mm (voxel-axis frame). */
  center: Vec3;
  /** Semi-axes in mm along u (lateral), v (anterior), w (superior). */
  axes: Vec3;
  /** Unit vectors of the local frame in the voxel-axis frame. */
  eu: Vec3;
  ev: Vec3;
  /** Renal sinus (fat + collecting system) ellipsoid: centre and semi-axes in local mm. */
  sinusCenter: Vec3;
  sinusAxes: Vec3;
  /** Collecting system (pelvis and major calyces) ellipsoid, local mm. */
  pelvisCenter: Vec3;
  pelvisAxes: Vec3;
  /** |w| of the polar lines (upper/lower lips of the sinus), mm. */
  polarW: number;
  /** Cortical thickness as a fraction of the normalised radius. */
  cortexFraction: number;
  /** Number of medullary pyramids seen around the sinus. */
  pyramids: number;
}

/** An ellipsoid organ or bowel loop in the voxel-axis frame. */
export interface Blob {
  center: Vec3;
  axes: Vec3;
}

/** Whole-patient anatomy. */
export interface Anatomy {
  /** Body outline ellipse: centre (x, y) and semi-axes, mm; uniform in z. */
  body: { cx: number; cy: number; ax: number; ay: number };
  subcutaneousFat: number;
  wallMuscle: number;
  spine: { cx: number; cy: number; r: number };
  aorta: { cx: number; cy: number; r: number };
  ivc: { cx: number; cy: number; ax: number; ay: number };
  psoas: { dx: number; cy: number; ax: number; ay: number };
  paraspinal: { dx: number; cy: number; ax: number; ay: number };
  liver: Blob;
  spleen: Blob;
  bowel: Array<Blob & { gas: boolean }>;
  kidneys: Record<Side, KidneyGeometry>;
}

/** Samples one patient's anatomy for a grid; everything scales from the grid's centre. */
export function sampleAnatomy(rng: Rng, grid: GridSpec): Anatomy {
  const fov: Vec3 = [
    grid.shape[0] * grid.spacing[0],
    grid.shape[1] * grid.spacing[1],
    grid.shape[2] * grid.spacing[2],
  ];
  const cx = fov[0] / 2 + rng.normal(0, 2);
  const cy = fov[1] / 2;
  const zc = fov[2] / 2;
  const jitter = (s: number) => rng.normal(0, s);
  const kidney = (side: Side): KidneyGeometry => {
    const sign = side === 'L' ? 1 : -1;
    const theta = ((30 + jitter(6)) * Math.PI) / 180;
    const axes: Vec3 = [27 + jitter(2), 23 + jitter(1.5), 54 + jitter(4)];
    const center: Vec3 = [
      cx + sign * (60 + jitter(3)),
      cy + 20 + jitter(3),
      zc + (side === 'L' ? 6 : -6) + jitter(4),
    ];
    return {
      side,
      center,
      axes,
      eu: [sign * Math.cos(theta), Math.sin(theta), 0],
      ev: [sign * Math.sin(theta), -Math.cos(theta), 0],
      sinusCenter: [-0.42 * axes[0], 0, 0],
      sinusAxes: [0.55 * axes[0], 0.45 * axes[1], 0.5 * axes[2]],
      pelvisCenter: [-0.55 * axes[0], 0, 0],
      pelvisAxes: [0.38 * axes[0], 0.22 * axes[1], 0.36 * axes[2]],
      polarW: 0.5 * axes[2],
      cortexFraction: 0.24 + jitter(0.02),
      pyramids: 5 + rng.int(3),
    };
  };
  const bowel: Anatomy['bowel'] = [];
  const loops = 7 + rng.int(5);
  for (let n = 0; n < loops; n++) {
    const r = 9 + rng.uniform() * 10;
    bowel.push({
      center: [cx + rng.uniformIn(-65, 65), cy + rng.uniformIn(-80, -10), rng.uniformIn(0, fov[2])],
      axes: [r * rng.uniformIn(0.8, 1.6), r, r * rng.uniformIn(1, 2.5)],
      gas: rng.bernoulli(0.5),
    });
  }
  return {
    body: { cx, cy: cy + 2, ax: 140 + jitter(8), ay: 98 + jitter(3) },
    subcutaneousFat: 12 + rng.uniform() * 14,
    wallMuscle: 8 + jitter(1),
    spine: { cx, cy: cy + 36, r: 19 + jitter(1) },
    aorta: { cx: cx + 15, cy: cy + 7, r: 10 + jitter(1) },
    ivc: { cx: cx - 24, cy: cy + 6, ax: 12, ay: 8 },
    psoas: { dx: 31, cy: cy + 30, ax: 11, ay: 13 },
    paraspinal: { dx: 34, cy: cy + 70, ax: 24, ay: 16 },
    liver: { center: [cx - 80, cy - 10, fov[2] + 10], axes: [75, 80, 85 + jitter(10)] },
    spleen: { center: [cx + 80, cy + 35, fov[2] + 5], axes: [28, 45, 55] },
    bowel,
    kidneys: { R: kidney('R'), L: kidney('L') },
  };
}

/** Kidney-local coordinates (u, v, w) of a point in mm. */
export function toLocal(k: KidneyGeometry, p: Vec3): Vec3 {
  const dx = p[0] - k.center[0];
  const dy = p[1] - k.center[1];
  const dz = p[2] - k.center[2];
  return [dx * k.eu[0] + dy * k.eu[1], dx * k.ev[0] + dy * k.ev[1], dz];
}

/** Voxel-axis frame point (mm) of kidney-local coordinates. */
export function toWorld(k: KidneyGeometry, q: Vec3): Vec3 {
  return [
    k.center[0] + q[0] * k.eu[0] + q[1] * k.ev[0],
    k.center[1] + q[0] * k.eu[1] + q[1] * k.ev[1],
    k.center[2] + q[2],
  ];
}

/** Normalised ellipsoid radius of a local point (1 on the surface). */
export function ellipsoidRadius(q: Vec3, center: Vec3, axes: Vec3): number {
  const a = (q[0] - center[0]) / axes[0];
  const b = (q[1] - center[1]) / axes[1];
  const c = (q[2] - center[2]) / axes[2];
  return Math.sqrt(a * a + b * b + c * c);
}
