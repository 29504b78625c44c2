import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KidneyPreset, kidneyBase, readNifti, type Volume } from 'renal-volume-io';
import type { KidneyRecord, Phase } from '../data/manifest.js';
import { downstreamConfig, type PipelineConfig } from './config.js';

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
 * The paper's deterministic kidney preprocessing through renal-volume-io's `kidneyBase`: a box of `boxMm`
 * (along R, A, S) around the voxel `center`, padded with −1000 HU outside the scan, oriented to RAS, resized to
 * `cacheShape` = `[D, H, W]` (D along S, H along A, W along R) and windowed (level/width) to [0, 1]. Orienting
 * first makes crops of differently stored scans (KiTS, DICOM exports, the synthetic cohort) look alike, as
 * weights trained elsewhere on RAS crops expect.
 */
export function cropVolume(volume: Volume, center: readonly number[], geometry: CropGeometry): Float32Array {
  // A volume's voxels run along R (fastest), A, S after orientation: exactly the [D, H, W] row-major layout.
  return Float32Array.from(kidneyBase(volume, center, kidneyPresetOf(geometry)).data);
}

/**
 * The crop geometry as a renal-volume-io `KidneyPreset`: the box resized to `cacheShape`, then `crop` (`[D, H, W]`,
 * by default the whole cached crop; the model's `inputShape` for the crop it sees in evaluation).
 */
export function kidneyPresetOf(
  geometry: CropGeometry,
  crop: readonly [number, number, number] = geometry.cacheShape,
): KidneyPreset {
  const [D, H, W] = geometry.cacheShape;
  const [level, width] = geometry.window;
  return {
    name: 'renal-clip',
    boxMm: [...geometry.boxMm],
    resized: [W, H, D],
    crop: [crop[2], crop[1], crop[0]],
    window: { level, width },
    padValue: -1000,
  };
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
      .update(JSON.stringify({ fileHash, center, geometry: this.geometry, method: CROP_METHOD }))
      .digest('hex')
      .slice(0, 32);
  }
}

/** Names the cropping code in cache keys, so that crops made by an earlier method are never reused. */
const CROP_METHOD = 'volume-io kidneyBase (RAS)';

/** Geometry of a pipeline config. */
export function cropGeometry(config: PipelineConfig): CropGeometry {
  return { cacheShape: config.cacheShape, boxMm: config.boxMm, window: config.window };
}

/**
 * Stage 3's crop cache and config: the pre-training ones, unless the preset resizes the box differently
 * downstream ({@link downstreamConfig}); then a cache of that geometry in the same folder.
 */
export function downstreamCrops(
  cache: CropCache,
  config: PipelineConfig,
): { cache: CropCache; config: PipelineConfig } {
  const tasks = downstreamConfig(config);
  return tasks === config
    ? { cache, config }
    : { cache: new CropCache(cache.dir, cropGeometry(tasks)), config: tasks };
}
