/**
 * Rasterising a patient into a tissue label map, and turning the label map into the four phase images
 * (HU lookup, correlated scanner noise from a white noise blurred in-plane, int16) and the KiTS segmentation.
 * Everything works on flat typed arrays, i fastest, one pass per structure over its bounding box.
 */
import { Rng } from 'renal-core';
import { type Anatomy, type Blob, type KidneyGeometry, toWorld } from './anatomy.js';
import type { MassFeatures } from './mass.js';
import type { GridSpec } from './options.js';
import { C, MASS_BASE, T } from './tissues.js';
import type { Vec3 } from './types.js';

/** A rasterised patient. */
export interface LabelMap {
  shape: [number, number, number];
  spacing: [number, number, number];
  /** Tissue code per voxel, i fastest. */
  tissue: Uint8Array;
}

/** Tissues a mass may grow over (everything but air, bone, subcutaneous fat and the great vessels). */
const MASS_CAN_REPLACE = new Uint8Array(256).fill(1);
for (const t of [T.AIR, T.BONE, T.MARROW, T.CSF, T.SUBCUTANEOUS_FAT, T.AORTA, T.IVC]) MASS_CAN_REPLACE[t] = 0;
/** Tissues a kidney may displace. */
const KIDNEY_CAN_REPLACE = new Uint8Array(256);
for (const t of [
  T.FAT,
  T.MUSCLE,
  T.LIVER,
  T.SPLEEN,
  T.BOWEL_WALL,
  T.BOWEL_GAS,
  T.BOWEL_FLUID,
  T.RENAL_VEIN,
]) {
  KIDNEY_CAN_REPLACE[t] = 1;
}

/** Index range [lo, hi) of voxels whose centres fall within [minMm, maxMm] along an axis. */
function span(minMm: number, maxMm: number, spacing: number, n: number): [number, number] {
  return [Math.max(0, Math.floor(minMm / spacing - 0.5)), Math.min(n, Math.ceil(maxMm / spacing + 0.5))];
}

/** Calls `visit(index, x, y, z)` for every voxel centre in a millimetre box. */
function forBox(
  map: LabelMap,
  lo: Vec3,
  hi: Vec3,
  visit: (index: number, x: number, y: number, z: number) => void,
): void {
  const [ni, nj, nk] = map.shape;
  const [si, sj, sk] = map.spacing;
  const [i0, i1] = span(lo[0], hi[0], si, ni);
  const [j0, j1] = span(lo[1], hi[1], sj, nj);
  const [k0, k1] = span(lo[2], hi[2], sk, nk);
  for (let k = k0; k < k1; k++) {
    const z = (k + 0.5) * sk;
    for (let j = j0; j < j1; j++) {
      const y = (j + 0.5) * sj;
      let index = i0 + ni * (j + nj * k);
      for (let i = i0; i < i1; i++, index++) visit(index, (i + 0.5) * si, y, z);
    }
  }
}

/** The cross-section shared by every slice: body wall, fat, muscles, spine and great vessels. */
function baseSlice(a: Anatomy, grid: GridSpec): Uint8Array {
  const [ni, nj] = grid.shape;
  const [si, sj] = grid.spacing;
  const slice = new Uint8Array(ni * nj);
  const { body, spine } = a;
  const inside = (x: number, y: number, cx: number, cy: number, ax: number, ay: number) =>
    ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1;
  const canal = { cx: spine.cx, cy: spine.cy + spine.r + 9, r: 7 };
  for (let j = 0; j < nj; j++) {
    const y = (j + 0.5) * sj;
    for (let i = 0; i < ni; i++) {
      const x = (i + 0.5) * si;
      let t: number = T.AIR;
      if (inside(x, y, body.cx, body.cy, body.ax, body.ay)) {
        const fat = a.subcutaneousFat;
        const wall = fat + a.wallMuscle;
        t = T.SUBCUTANEOUS_FAT;
        if (inside(x, y, body.cx, body.cy, body.ax - fat, body.ay - fat)) t = T.MUSCLE;
        if (inside(x, y, body.cx, body.cy, body.ax - wall, body.ay - wall)) t = T.FAT;
        const p = a.paraspinal;
        const m = a.psoas;
        if (
          inside(x, y, spine.cx - p.dx, p.cy, p.ax, p.ay) ||
          inside(x, y, spine.cx + p.dx, p.cy, p.ax, p.ay)
        ) {
          t = T.MUSCLE;
        }
        if (
          inside(x, y, spine.cx - m.dx, m.cy, m.ax, m.ay) ||
          inside(x, y, spine.cx + m.dx, m.cy, m.ax, m.ay)
        ) {
          t = T.MUSCLE;
        }
        const rBody = Math.hypot(x - spine.cx, y - spine.cy);
        if (rBody <= spine.r) t = rBody > spine.r - 2.5 ? T.BONE : T.MARROW;
        const rCanal = Math.hypot(x - canal.cx, y - canal.cy);
        if (rCanal <= canal.r + 4) t = rCanal <= canal.r ? T.CSF : T.BONE;
        if (Math.abs(x - canal.cx) <= 3.5 && y > canal.cy + canal.r && y < canal.cy + canal.r + 24)
          t = T.BONE;
        if (Math.hypot(x - a.aorta.cx, y - a.aorta.cy) <= a.aorta.r) t = T.AORTA;
        if (inside(x, y, a.ivc.cx, a.ivc.cy, a.ivc.ax, a.ivc.ay)) t = T.IVC;
      }
      slice[i + ni * j] = t;
    }
  }
  return slice;
}

function drawOrgan(map: LabelMap, organ: Blob, tissue: number): void {
  const { center: c, axes: r } = organ;
  forBox(
    map,
    [c[0] - r[0], c[1] - r[1], c[2] - r[2]],
    [c[0] + r[0], c[1] + r[1], c[2] + r[2]],
    (n, x, y, z) => {
      if (map.tissue[n] !== T.FAT) return;
      if (((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2 <= 1)
        map.tissue[n] = tissue;
    },
  );
}

function drawBowel(map: LabelMap, loop: Blob & { gas: boolean }): void {
  const { center: c, axes: r } = loop;
  const content = loop.gas ? T.BOWEL_GAS : T.BOWEL_FLUID;
  forBox(
    map,
    [c[0] - r[0], c[1] - r[1], c[2] - r[2]],
    [c[0] + r[0], c[1] + r[1], c[2] + r[2]],
    (n, x, y, z) => {
      if (map.tissue[n] !== T.FAT) return;
      const rho = Math.sqrt(((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2);
      if (rho <= 1) map.tissue[n] = rho > 1 - 2.5 / Math.min(r[0], r[1]) ? T.BOWEL_WALL : content;
    },
  );
}

/** Distance from point p to segment ab. */
function segmentDistance(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const len2 = ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2;
  const t = Math.max(0, Math.min(1, (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2));
  return Math.hypot(ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]);
}

/** The renal vein of a kidney: from its hilum to the IVC at the same height. */
export function renalVein(a: Anatomy, k: KidneyGeometry): [Vec3, Vec3] {
  return [toWorld(k, [-k.axes[0] * 0.9, 0, 0]), [a.ivc.cx, a.ivc.cy, k.center[2]]];
}

function drawTube(
  map: LabelMap,
  from: Vec3,
  to: Vec3,
  radius: number,
  tissue: number,
  over: Uint8Array,
): void {
  const lo: Vec3 = [0, 1, 2].map((d) => Math.min(from[d], to[d]) - radius) as Vec3;
  const hi: Vec3 = [0, 1, 2].map((d) => Math.max(from[d], to[d]) + radius) as Vec3;
  forBox(map, lo, hi, (n, x, y, z) => {
    if (over[map.tissue[n]] && segmentDistance([x, y, z], from, to) <= radius) map.tissue[n] = tissue;
  });
}

function drawKidney(map: LabelMap, k: KidneyGeometry): void {
  const reach = Math.max(k.axes[0], k.axes[1]);
  const c = k.center;
  const [a, b, cc] = k.axes;
  forBox(
    map,
    [c[0] - reach, c[1] - reach, c[2] - cc],
    [c[0] + reach, c[1] + reach, c[2] + cc],
    (n, x, y, z) => {
      if (!KIDNEY_CAN_REPLACE[map.tissue[n]]) return;
      const dx = x - c[0];
      const dy = y - c[1];
      const u = dx * k.eu[0] + dy * k.eu[1];
      const v = dx * k.ev[0] + dy * k.ev[1];
      const w = z - c[2];
      const r = Math.sqrt((u / a) ** 2 + (v / b) ** 2 + (w / cc) ** 2);
      if (r > 1) return;
      const pu = (u - k.pelvisCenter[0]) / k.pelvisAxes[0];
      const pv = v / k.pelvisAxes[1];
      const pw = w / k.pelvisAxes[2];
      if (pu * pu + pv * pv + pw * pw <= 1) {
        map.tissue[n] = T.URINE;
        return;
      }
      const su = (u - k.sinusCenter[0]) / k.sinusAxes[0];
      const sv = v / k.sinusAxes[1];
      const sw = w / k.sinusAxes[2];
      const rs = Math.sqrt(su * su + sv * sv + sw * sw);
      if (rs <= 1) {
        map.tissue[n] = T.SINUS_FAT;
        return;
      }
      if (r > 1 - k.cortexFraction) {
        map.tissue[n] = T.CORTEX;
        return;
      }
      // Pyramids fan out from the sinus; cortical columns (of Bertin) run between them.
      const angle = Math.atan2(sw, sv + 0.3 * su);
      map.tissue[n] = Math.cos(k.pyramids * angle) > 0.55 ? T.CORTEX : T.MEDULLA;
    },
  );
}

/** Small, fast integer hash of a voxel index and a seed, to [0, 1). */
function hash01(n: number, seed: number): number {
  let h = Math.imul(n ^ seed, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

/** Smooth random texture in about [−1, 1] built from three plane waves. */
function textureOf(seed: number, wavelengthMm: number): (x: number, y: number, z: number) => number {
  const rng = new Rng(seed);
  const waves = [0, 1, 2].map(() => {
    const zz = rng.uniformIn(-1, 1);
    const t = rng.uniformIn(0, 2 * Math.PI);
    const q = Math.sqrt(1 - zz * zz);
    const k = (2 * Math.PI) / (wavelengthMm * rng.uniformIn(0.7, 1.3));
    return [q * Math.cos(t) * k, q * Math.sin(t) * k, zz * k, rng.uniformIn(0, 2 * Math.PI)];
  });
  return (x, y, z) => {
    let s = 0;
    for (const w of waves) s += Math.sin(w[0] * x + w[1] * y + w[2] * z + w[3]);
    return s / 1.8;
  };
}

/** Rasterises one mass (tissue codes `MASS_BASE + 8 * index + component`). */
function drawMass(map: LabelMap, m: MassFeatures, index: number): void {
  const base = MASS_BASE + 8 * index;
  const [rx, ry, rz] = m.diameters.map((d) => d / 2);
  const meanR = (rx + ry + rz) / 3;
  const growth = 1 + Math.max(0, ...m.bumps.map((b) => b.height)) + m.ragged;
  const c = m.center;
  const texture = textureOf(m.textureSeed, Math.max(8, meanR * 0.9));
  const fine = textureOf(m.textureSeed ^ 0x5bd1e995, Math.max(6, meanR * 0.5));
  const wallT = m.wallMm / meanR;
  const septa = [0, 1, 2]
    .slice(0, m.septa)
    .map((s) => m.bumps[s % Math.max(1, m.bumps.length)]?.dir ?? [1, 0, 0]);
  const nodule = m.bumps[0]?.dir ?? [1, 0, 0];
  const necrosisCentre = m.bumps[1]?.dir ?? [0, 1, 0];
  const coarse = [m.bumps[0]?.dir ?? [0, 0, 1], m.bumps[1]?.dir ?? [0, 1, 0]];
  const fatCut = -1 + 2 * m.fatFraction;
  // Perinephric invasion: soft-tissue strands in the fat around the mass.
  const reach = growth * (m.perinephricInvasion ? 1.45 : 1);
  const lo: Vec3 = [c[0] - rx * reach - 1, c[1] - ry * reach - 1, c[2] - rz * reach - 1];
  const hi: Vec3 = [c[0] + rx * reach + 1, c[1] + ry * reach + 1, c[2] + rz * reach + 1];
  forBox(map, lo, hi, (n, x, y, z) => {
    if (!MASS_CAN_REPLACE[map.tissue[n]]) return;
    const qx = (x - c[0]) / rx;
    const qy = (y - c[1]) / ry;
    const qz = (z - c[2]) / rz;
    const rho = Math.sqrt(qx * qx + qy * qy + qz * qz);
    if (rho > reach) return;
    const inv = rho > 0 ? 1 / rho : 0;
    const dx = qx * inv;
    const dy = qy * inv;
    const dz = qz * inv;
    let f = 1;
    for (const b of m.bumps) {
      const dot = dx * b.dir[0] + dy * b.dir[1] + dz * b.dir[2];
      if (dot > 0.5) f += b.height * ((dot - 0.5) / 0.5) ** 2;
    }
    const tex2 = fine(x, y, z);
    // Ill-defined margins: the edge wanders in and out with a smooth texture (finger-like extensions).
    if (m.ragged > 0) f += m.ragged * 1.4 * tex2;
    if (rho > f) {
      if (m.perinephricInvasion && rho < f * 1.45 && map.tissue[n] === T.FAT && Math.abs(tex2) < 0.12) {
        map.tissue[n] = T.STRANDING;
      }
      return;
    }
    const t = rho / f;
    map.tissue[n] = base + massComponent(m, t, [dx, dy, dz], texture(x, y, z), tex2, n);
  });
  // Which component at normalised depth t (0 centre, 1 edge) along direction d.
  function massComponent(mm: MassFeatures, t: number, d: Vec3, tex: number, tex2: number, n: number): number {
    const along = (v: number[]) => d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
    if (mm.calcification === 3 && t > 0.86 && tex2 > 0.25) return C.CALCIFICATION;
    if (mm.calcification === 2 && coarse.some((v) => along(v) > 0.93 && t > 0.35 && t < 0.7))
      return C.CALCIFICATION;
    if (mm.calcification === 1 && t < 0.85 && hash01(n, mm.textureSeed ^ 0x27d4eb2d) < 0.012)
      return C.CALCIFICATION;
    if (mm.composition >= 2) {
      if (t > 1 - wallT) return C.WALL;
      for (const s of septa) {
        if (Math.abs(along(s) * t * meanR) < mm.wallMm / 2) return C.WALL;
      }
      if (mm.nodule && along(nodule) > 0.8 && t > 0.5) return C.SOLID;
      if (mm.composition === 2 && !mm.nodule && t > 0.55 && tex > 0.5) return C.WALL;
      return C.FLUID;
    }
    if (mm.fatFraction > 0 && tex2 < fatCut) return C.FAT;
    if (mm.necrosis === 2 && t < 0.62 + 0.12 * tex) return C.NECROSIS;
    if (mm.necrosis === 1 && t < 0.6 && along(necrosisCentre) > 0.2 && t > 0.1 && tex2 > -0.2)
      return C.NECROSIS;
    if (mm.centralScar && (t < 0.1 || (t < 0.38 && Math.abs(Math.sin(3 * Math.atan2(d[1], d[0]))) < 0.3))) {
      return C.SCAR;
    }
    if (mm.composition === 1 && t < 0.85 && tex2 > 0.45) return C.FLUID;
    if (mm.heterogeneous && tex > 0.05) return C.SOLID_B;
    return C.SOLID;
  }
}

/** Replaces the vessel lumen along a kidney's renal vein (and optionally the IVC) with tumour thrombus. */
function drawThrombus(map: LabelMap, a: Anatomy, k: KidneyGeometry, m: MassFeatures, index: number): void {
  const code = MASS_BASE + 8 * index + C.SOLID;
  const [from, to] = renalVein(a, k);
  const vein = new Uint8Array(256);
  vein[T.RENAL_VEIN] = 1;
  vein[T.FAT] = 1;
  drawTube(map, from, to, 5, code, vein);
  if (m.venousThrombus === 2) {
    const ivc = new Uint8Array(256);
    ivc[T.IVC] = 1;
    const z0 = k.center[2] - 10;
    const z1 = Math.min(k.center[2] + 35, map.shape[2] * map.spacing[2]);
    drawTube(map, [a.ivc.cx, a.ivc.cy, z0], [a.ivc.cx, a.ivc.cy, z1], 7, code, ivc);
  }
}

/** A mass to draw: features, which kidney, and its index in the patient's tissue codes. */
export interface PlacedMass {
  mass: MassFeatures;
  side: 'L' | 'R';
  index: number;
}

/** Rasterises a whole patient into a tissue label map. */
export function rasterise(a: Anatomy, grid: GridSpec, masses: PlacedMass[]): LabelMap {
  const [ni, nj, nk] = grid.shape;
  const map: LabelMap = {
    shape: [ni, nj, nk],
    spacing: [...grid.spacing],
    tissue: new Uint8Array(ni * nj * nk),
  };
  const slice = baseSlice(a, grid);
  for (let k = 0; k < nk; k++) map.tissue.set(slice, k * ni * nj);
  drawOrgan(map, a.liver, T.LIVER);
  drawOrgan(map, a.spleen, T.SPLEEN);
  for (const loop of a.bowel) drawBowel(map, loop);
  const fatOnly = new Uint8Array(256);
  fatOnly[T.FAT] = 1;
  for (const k of [a.kidneys.R, a.kidneys.L]) {
    const [from, to] = renalVein(a, k);
    drawTube(map, from, to, 4.5, T.RENAL_VEIN, fatOnly);
    drawKidney(map, k);
  }
  // Incidental lesions first, so the dominant mass of a kidney is drawn over them.
  const ordered = [...masses].sort((p, q) => q.index - p.index);
  for (const p of ordered) {
    drawMass(map, p.mass, p.index);
    if (p.mass.venousThrombus > 0) drawThrombus(map, a, a.kidneys[p.side], p.mass, p.index);
  }
  return map;
}

/** Side of the square noise texture (a power of two). */
const NOISE_SIDE = 512;
let noiseTexture: Float32Array | undefined;

/**
 * A fixed texture of scanner-like noise: white normal deviates blurred by [1 2 1]/4 along both axes (wrapping
 * around), rescaled to unit sd. Each slice of each phase reads it at its own random offset.
 */
function noiseField(): Float32Array {
  if (noiseTexture) return noiseTexture;
  const n = NOISE_SIDE;
  const mask = n - 1;
  const white = new Rng(0x5eed).normalArray(n * n);
  const rows = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      rows[j * n + i] =
        white[j * n + ((i - 1) & mask)] + 2 * white[j * n + i] + white[j * n + ((i + 1) & mask)];
    }
  }
  const field = new Float32Array(n * n);
  // An unnormalised [1 2 1] pass multiplies a white noise's variance by 1 + 4 + 1 = 6; two passes give sd 6.
  const scale = 1 / 6;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      field[j * n + i] =
        (rows[((j - 1) & mask) * n + i] + 2 * rows[j * n + i] + rows[((j + 1) & mask) * n + i]) * scale;
    }
  }
  noiseTexture = field;
  return field;
}

/** 1 where a voxel's 3×3 in-plane neighbourhood holds another tissue (or the slice border), else 0. */
export function edgeMap(map: LabelMap): Uint8Array {
  const [ni, nj, nk] = map.shape;
  const t = map.tissue;
  const edges = new Uint8Array(t.length);
  for (let k = 0; k < nk; k++) {
    const offset = k * ni * nj;
    for (let j = 0; j < nj; j++) {
      const row = offset + j * ni;
      for (let i = 0; i < ni; i++) {
        const n = row + i;
        if (i === 0 || j === 0 || i === ni - 1 || j === nj - 1) {
          edges[n] = 1;
          continue;
        }
        const c = t[n];
        const up = n - ni;
        const down = n + ni;
        edges[n] =
          t[n - 1] !== c ||
          t[n + 1] !== c ||
          t[up] !== c ||
          t[down] !== c ||
          t[up - 1] !== c ||
          t[up + 1] !== c ||
          t[down - 1] !== c ||
          t[down + 1] !== c
            ? 1
            : 0;
      }
    }
  }
  return edges;
}

/**
 * One phase image: HU by lookup, blurred in-plane with a [1 2 1]/4 kernel (a scanner's point spread; only
 * voxels near a tissue edge change, so only those are convolved), plus correlated noise of sd `noiseHU` read
 * from the fixed noise texture at a per-slice offset drawn from `noiseSeed`; rounded to int16.
 */
export function renderPhase(
  map: LabelMap,
  edges: Uint8Array,
  table: Float32Array,
  noiseHU: number,
  noiseSeed: number,
): Int16Array {
  const [ni, nj, nk] = map.shape;
  const plane = ni * nj;
  const tissue = map.tissue;
  const field = noiseField();
  const mask = NOISE_SIDE - 1;
  const out = new Int16Array(tissue.length);
  let state = noiseSeed | 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (let k = 0; k < nk; k++) {
    const offset = k * plane;
    const ox = next() & mask;
    const oy = next() & mask;
    for (let j = 0; j < nj; j++) {
      const row = offset + j * ni;
      const noiseRow = ((j + oy) & mask) * NOISE_SIDE;
      const up = j === 0 ? 0 : -ni;
      const down = j === nj - 1 ? 0 : ni;
      for (let i = 0; i < ni; i++) {
        const n = row + i;
        let v: number;
        if (edges[n] === 0) v = table[tissue[n]];
        else {
          const left = i === 0 ? 0 : -1;
          const right = i === ni - 1 ? 0 : 1;
          const a = n + up;
          const b = n + down;
          v =
            (table[tissue[a + left]] +
              2 * table[tissue[a]] +
              table[tissue[a + right]] +
              2 * (table[tissue[n + left]] + 2 * table[tissue[n]] + table[tissue[n + right]]) +
              table[tissue[b + left]] +
              2 * table[tissue[b]] +
              table[tissue[b + right]]) *
            0.0625;
        }
        v += noiseHU * field[noiseRow + ((i + ox) & mask)];
        if (v < -1024) v = -1024;
        out[n] = v < 0 ? -((0.5 - v) | 0) : (v + 0.5) | 0;
      }
    }
  }
  return out;
}

/** The segmentation (uint8, KiTS labels) from the label map through a tissue → label table. */
export function renderSegmentation(map: LabelMap, table: Uint8Array): Uint8Array {
  const out = new Uint8Array(map.tissue.length);
  for (let n = 0; n < out.length; n++) out[n] = table[map.tissue[n]];
  return out;
}
