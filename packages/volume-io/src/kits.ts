/**
 * Kidney and tumour centres from a KiTS-style segmentation (0 background, 1 kidney, 2 tumour, 3 cyst): the
 * foreground is split into connected components, the two largest are the kidneys, and each gets its side from
 * its world (RAS) x coordinate.
 */
import { TransformError } from './errors.js';
import { applyAffine, type Vec3, type Volume } from './volume.js';

/** One kidney found in a segmentation. */
export interface KidneyRegion {
  /** `R` (patient's right, larger RAS x) or `L`. */
  side: 'L' | 'R';
  /** Centroid of the kidney's voxels (kidney + tumour + cyst), voxel coordinates. */
  center: Vec3;
  /** The same centroid in world millimetres (RAS). */
  centerWorld: Vec3;
  /** Centroid of this kidney's tumour voxels (label 2), if any. */
  tumorCenter?: Vec3;
  /** Voxel counts per label in this kidney's component. */
  voxels: {
    /** Kidney (label 1) voxels. */
    kidney: number;
    /** Tumour (label 2) voxels. */
    tumor: number;
    /** Cyst (label 3) voxels. */
    cyst: number;
  };
}

/** Options of {@link kidneyRegions}. */
export interface KidneyRegionOptions {
  /** Label values (default KiTS: kidney 1, tumour 2, cyst 3). */
  labels?: {
    /** Kidney label (KiTS 1). */
    kidney: number;
    /** Tumour label (KiTS 2). */
    tumor: number;
    /** Cyst label (KiTS 3). */
    cyst: number;
  };
  /** Components smaller than this fraction of the largest are ignored as specks (default 0.05). */
  minFraction?: number;
}

/** Labels each 6-connected foreground component; returns component ids (0 = background) and their sizes. */
function components(fg: Uint8Array, shape: Vec3): { ids: Int32Array; sizes: number[] } {
  const [nx, ny, nz] = shape;
  const plane = nx * ny;
  const ids = new Int32Array(fg.length);
  const sizes = [0];
  const queue = new Int32Array(fg.length);
  for (let seed = 0; seed < fg.length; seed++) {
    if (!fg[seed] || ids[seed]) continue;
    const id = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    ids[seed] = id;
    while (head < tail) {
      const p = queue[head++];
      const i = p % nx;
      const j = Math.floor(p / nx) % ny;
      const k = Math.floor(p / plane);
      const visit = (q: number) => {
        if (fg[q] && !ids[q]) {
          ids[q] = id;
          queue[tail++] = q;
        }
      };
      if (i > 0) visit(p - 1);
      if (i < nx - 1) visit(p + 1);
      if (j > 0) visit(p - nx);
      if (j < ny - 1) visit(p + nx);
      if (k > 0) visit(p - plane);
      if (k < nz - 1) visit(p + plane);
    }
    sizes.push(tail);
  }
  return { ids, sizes };
}

/**
 * The kidneys of a KiTS-style segmentation, right first: centre of each kidney (all its labelled voxels), of its
 * tumour, and voxel counts. A single kidney gets its side from where it lies relative to the volume centre.
 */
export function kidneyRegions(segmentation: Volume, options: KidneyRegionOptions = {}): KidneyRegion[] {
  const labels = options.labels ?? { kidney: 1, tumor: 2, cyst: 3 };
  const seg = segmentation.data;
  const fg = new Uint8Array(seg.length);
  for (let n = 0; n < seg.length; n++) {
    const l = seg[n];
    fg[n] = l === labels.kidney || l === labels.tumor || l === labels.cyst ? 1 : 0;
  }
  const { ids, sizes } = components(fg, segmentation.shape);
  if (sizes.length === 1) {
    throw new TransformError(
      segmentation.source ?? 'segmentation',
      'labels',
      'no kidney, tumour or cyst voxels',
    );
  }
  const order = sizes
    .map((s, id) => [s, id])
    .slice(1)
    .sort((a, b) => b[0] - a[0]);
  const largest = order[0][0];
  const kept = order
    .filter(([s]) => s >= (options.minFraction ?? 0.05) * largest)
    .slice(0, 2)
    .map(([, id]) => id);
  const regions = kept.map((id) => summarise(segmentation, ids, id, labels));
  const sideOf = (r: { centerWorld: Vec3 }, pivot: number) => (r.centerWorld[0] >= pivot ? 'R' : 'L');
  let pivot: number;
  if (regions.length === 2) pivot = (regions[0].centerWorld[0] + regions[1].centerWorld[0]) / 2;
  else
    pivot = applyAffine(
      segmentation.affine,
      segmentation.shape.map((n) => (n - 1) / 2),
    )[0];
  const out = regions.map((r) => ({ ...r, side: sideOf(r, pivot) as 'L' | 'R' }));
  return out.sort((a, b) => (a.side === b.side ? 0 : a.side === 'R' ? -1 : 1));
}

function summarise(
  seg: Volume,
  ids: Int32Array,
  id: number,
  labels: { kidney: number; tumor: number; cyst: number },
): Omit<KidneyRegion, 'side'> {
  const [nx, ny] = seg.shape;
  const sum = [0, 0, 0];
  const tumorSum = [0, 0, 0];
  const voxels = { kidney: 0, tumor: 0, cyst: 0 };
  for (let p = 0; p < ids.length; p++) {
    if (ids[p] !== id) continue;
    const i = p % nx;
    const j = Math.floor(p / nx) % ny;
    const k = Math.floor(p / (nx * ny));
    sum[0] += i;
    sum[1] += j;
    sum[2] += k;
    const l = seg.data[p];
    if (l === labels.tumor) {
      voxels.tumor++;
      tumorSum[0] += i;
      tumorSum[1] += j;
      tumorSum[2] += k;
    } else if (l === labels.cyst) voxels.cyst++;
    else voxels.kidney++;
  }
  const total = voxels.kidney + voxels.tumor + voxels.cyst;
  const center = sum.map((s) => s / total) as Vec3;
  const region: Omit<KidneyRegion, 'side'> = { center, centerWorld: applyAffine(seg.affine, center), voxels };
  if (voxels.tumor > 0) region.tumorCenter = tumorSum.map((s) => s / voxels.tumor) as Vec3;
  return region;
}
