import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti, type Volume } from 'renal-volume-io';
import type { KidneyRecord, Phase } from '../data/manifest.js';
import type { PipelineConfig } from './config.js';

/** A kidney that cannot be cropped (no centre, unreadable volume…). */
export class CropError extends Error {
  override name = 'CropError';
}

/** The geometry of a crop: the part of the config the cache key depends on. */
export interface CropGeometry {
  cacheShape: [number, number, number];
  boxMm: [number, number, number];
  window: [number, number];
}

/**
 * The paper's kidney crop in one resampling pass: a box of `boxMm` (i, j in-plane; k craniocaudal) centred on
 * the voxel `center`, sampled trilinearly onto `cacheShape` = `[D, H, W]` (D along k, H along j, W along i),
 * padded with −1000 HU outside the volume, then windowed (level/width) to [0, 1]. Axes are taken as stored
 * (the synthetic and KiTS volumes are axis-aligned); orientation to RAS is left to volume-io's transforms.
 */
export function cropVolume(volume: Volume, center: readonly number[], geometry: CropGeometry): Float32Array {
  const [nx, ny, nz] = volume.shape;
  const [sx, sy, sz] = volume.spacing;
  const [D, H, W] = geometry.cacheShape;
  const [bi, bj, bk] = geometry.boxMm;
  const [level, width] = geometry.window;
  const low = level - width / 2;
  const data = volume.data;
  const out = new Float32Array(D * H * W);
  const sample = (i: number, j: number, k: number): number => {
    if (i < 0 || j < 0 || k < 0 || i > nx - 1 || j > ny - 1 || k > nz - 1) return -1000;
    const i0 = Math.min(Math.floor(i), Math.max(nx - 2, 0));
    const j0 = Math.min(Math.floor(j), Math.max(ny - 2, 0));
    const k0 = Math.min(Math.floor(k), Math.max(nz - 2, 0));
    const fi = i - i0;
    const fj = j - j0;
    const fk = k - k0;
    const i1 = Math.min(i0 + 1, nx - 1);
    const j1 = Math.min(j0 + 1, ny - 1);
    const k1 = Math.min(k0 + 1, nz - 1);
    const at = (a: number, b: number, c: number) => data[a + nx * (b + ny * c)];
    const c00 = at(i0, j0, k0) * (1 - fi) + at(i1, j0, k0) * fi;
    const c10 = at(i0, j1, k0) * (1 - fi) + at(i1, j1, k0) * fi;
    const c01 = at(i0, j0, k1) * (1 - fi) + at(i1, j0, k1) * fi;
    const c11 = at(i0, j1, k1) * (1 - fi) + at(i1, j1, k1) * fi;
    return (c00 * (1 - fj) + c10 * fj) * (1 - fk) + (c01 * (1 - fj) + c11 * fj) * fk;
  };
  let o = 0;
  for (let d = 0; d < D; d++) {
    const k = center[2] + ((d + 0.5 - D / 2) * (bk / D)) / sz;
    for (let h = 0; h < H; h++) {
      const j = center[1] + ((h + 0.5 - H / 2) * (bj / H)) / sy;
      for (let w = 0; w < W; w++) {
        const i = center[0] + ((w + 0.5 - W / 2) * (bi / W)) / sx;
        const hu = sample(i, j, k);
        out[o++] = Math.min(1, Math.max(0, (hu - low) / width));
      }
    }
  }
  return out;
}

/** [0, 1] values as 16-bit fixed point (steps of 1/65535, i.e. < 0.01 HU at a 500 HU window). */
function quantize(values: Float32Array): Uint16Array {
  return Uint16Array.from(values, (v) => Math.round(v * 65535));
}

function dequantize(stored: Uint16Array): Float32Array {
  return Float32Array.from(stored, (v) => v / 65535);
}

/**
 * A disk cache of preprocessed crops, keyed by the source file's content hash, the centre and the crop
 * geometry — so later stages never decode a volume twice. Files hold the windowed [0, 1] crop as raw 16-bit
 * fixed point (half the size of float32, < 0.01 HU error), written atomically.
 */
export class CropCache {
  private readonly fileHashes = new Map<string, string>();

  constructor(
    readonly dir: string,
    readonly geometry: CropGeometry,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The crop of one kidney in one phase: from the cache, or computed and cached. */
  async get(record: KidneyRecord, phase: Phase): Promise<Float32Array> {
    const path = record.phases[phase];
    if (!path)
      throw new CropError(`${record.id}: no phase ${phase} (has ${Object.keys(record.phases).join(', ')})`);
    if (!record.center) throw new CropError(`${record.id}: no "center" to crop around`);
    const file = join(this.dir, `${this.key(path, record.center)}.u16`);
    if (existsSync(file)) {
      const bytes = readFileSync(file);
      return dequantize(
        new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      );
    }
    let volume: Volume;
    try {
      volume = await readNifti(path);
    } catch (error) {
      throw new CropError(`${path}: ${(error as Error).message}`);
    }
    const stored = quantize(cropVolume(volume, record.center, this.geometry));
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
    renameSync(temp, file);
    return dequantize(stored);
  }

  private key(path: string, center: readonly number[]): string {
    let fileHash = this.fileHashes.get(path);
    if (!fileHash) {
      fileHash = createHash('sha256').update(readFileSync(path)).digest('hex');
      this.fileHashes.set(path, fileHash);
    }
    return createHash('sha256')
      .update(JSON.stringify({ fileHash, center, geometry: this.geometry }))
      .digest('hex')
      .slice(0, 32);
  }
}

/** Geometry of a pipeline config. */
export function cropGeometry(config: PipelineConfig): CropGeometry {
  return { cacheShape: config.cacheShape, boxMm: config.boxMm, window: config.window };
}
