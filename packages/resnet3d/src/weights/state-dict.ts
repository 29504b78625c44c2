import { isSafetensorsDtype, type RawTensor, tf, toFloat32 } from 'renal-core';
import { type ShapeConflict, WeightMismatchError } from '../errors.js';
import type { Module } from '../module.js';
import { ResNet3d } from '../resnet3d.js';
import { explainMismatch, inferArchitecture } from './architecture.js';
import { fromTorchLayout, type StateTensor, toTorchLayout, torchShape } from './layout.js';

/**
 * A tensor of a PyTorch state dict as read from safetensors: shape, row-major elements and (optionally) the
 * file's dtype name. F32, F64, F16 and BF16 (16-bit patterns in a `Uint16Array`) and integer arrays are accepted.
 */
export interface TorchTensor {
  dtype?: string;
  shape: number[];
  data: Float32Array | Float64Array | Uint16Array | Int32Array | BigInt64Array | ArrayLike<number>;
}

/** Options of {@link importTorchStateDict}. */
export interface ImportStateDictOptions {
  /** Name of the file or source, for error messages. Default 'state dict'. */
  source?: string;
  /**
   * Key prefix of the module's tensors in the dict (e.g. `module.backbone.image_encoder.`). By default it is
   * detected: the prefix under which most of the module's names are found. Keys outside it are ignored.
   */
  prefix?: string;
  /** Key prefixes (after the module prefix) to skip, e.g. `['fc.']` for a classifier the backbone lacks. */
  ignore?: readonly string[];
  /**
   * Layout of the dict's tensors: `pytorch` (NCDHW filters, `[out, in]` linear weights; default) or
   * `channels-last` (ours, as in our checkpoints).
   */
  layout?: 'pytorch' | 'channels-last';
}

/** What {@link importTorchStateDict} did. */
export interface ImportReport {
  /** The prefix stripped from the dict's keys. */
  prefix: string;
  /** Our tensors that were assigned (all of the module's). */
  loaded: string[];
  /** Dict keys left alone: outside the prefix, ignored by request, or `num_batches_tracked`. */
  ignored: string[];
}

/** Elements as float32, decoding F16/BF16 bit patterns (through renal-core's safetensors conversion). */
export function asFloat32(tensor: TorchTensor): Float32Array {
  const { data, dtype } = tensor;
  if (data instanceof Float32Array) return data;
  if (isSafetensorsDtype(dtype)) return toFloat32(tensor as RawTensor);
  return Float32Array.from(data as ArrayLike<number | bigint>, Number);
}

/** The prefix under which most of `expected` are found among `keys` ('' when none is). */
export function detectPrefix(keys: Iterable<string>, expected: ReadonlySet<string>): string {
  const votes = new Map<string, number>();
  for (const k of keys) {
    // Try every suffix that starts after a dot: `a.b.conv1.weight` → `b.conv1.weight` → `conv1.weight`.
    for (let start = 0; ; ) {
      if (expected.has(k.slice(start))) {
        const prefix = k.slice(0, start);
        votes.set(prefix, (votes.get(prefix) ?? 0) + 1);
        break;
      }
      const dot = k.indexOf('.', start);
      if (dot === -1) break;
      start = dot + 1;
    }
  }
  let best = '';
  let bestVotes = 0;
  for (const [prefix, n] of votes) {
    if (n > bestVotes || (n === bestVotes && prefix.length < best.length)) {
      best = prefix;
      bestVotes = n;
    }
  }
  return best;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function unexpectedCauses(unexpected: string[]): string[] {
  const tops = new Set(
    unexpected.map((k) => k.split('.')[0]).filter((t) => !/^(layer\d|conv1|bn1)$/.test(t)),
  );
  return [...tops].map(
    (t) => `keys ${t}.* are not part of this module (a classifier or another module?): pass ignore ['${t}.']`,
  );
}

/**
 * Loads a PyTorch state dict (MedicalNet / MONAI / RenalCLIP naming) into a module: strips the prefix
 * (`module.`, `backbone.image_encoder.`, … detected or given), converts NCDHW filters and `[out, in]`
 * linear weights to our layouts, and keeps batch-norm running statistics. Nothing is assigned unless
 * everything fits; otherwise one {@link WeightMismatchError} lists missing keys, unexpected keys and
 * shape conflicts and names the likely cause (depth, shortcut type, input channels, stem, widths).
 */
export function importTorchStateDict(
  module: Module<unknown>,
  dict: ReadonlyMap<string, TorchTensor>,
  options: ImportStateDictOptions = {},
): ImportReport {
  const expected = module.params.entries;
  const prefix = options.prefix ?? detectPrefix(dict.keys(), new Set(expected.keys()));
  const ignore = options.ignore ?? [];
  const torchLayout = (options.layout ?? 'pytorch') === 'pytorch';
  const ignored: string[] = [];
  const inside = new Map<string, TorchTensor>();
  for (const [k, t] of dict) {
    const name = k.startsWith(prefix) ? k.slice(prefix.length) : undefined;
    if (
      name === undefined ||
      name.endsWith('num_batches_tracked') ||
      ignore.some((p) => name.startsWith(p))
    ) {
      ignored.push(k);
    } else {
      inside.set(name, t);
    }
  }
  const missing: string[] = [];
  const conflicts: ShapeConflict[] = [];
  for (const [name, param] of expected) {
    const t = inside.get(name);
    const want = torchLayout ? torchShape(param.layout, param.variable.shape) : [...param.variable.shape];
    if (t === undefined) missing.push(prefix + name);
    else if (!sameShape(t.shape, want))
      conflicts.push({ name: prefix + name, expected: want, actual: [...t.shape] });
  }
  const unexpected = [...inside.keys()].filter((k) => !expected.has(k));
  if (missing.length + conflicts.length + unexpected.length > 0) {
    const causes: string[] = [];
    if (module instanceof ResNet3d) {
      const shapes = new Map([...inside].map(([k, t]) => [k, t.shape]));
      causes.push(...explainMismatch(module.config, inferArchitecture(shapes)));
    }
    causes.push(...unexpectedCauses(unexpected));
    throw new WeightMismatchError(
      options.source ?? 'state dict',
      missing,
      unexpected.map((k) => prefix + k),
      conflicts,
      causes,
    );
  }
  for (const [name, param] of expected) {
    const t = inside.get(name)!;
    const stored = { shape: [...t.shape], data: asFloat32(t) };
    const ours = torchLayout ? fromTorchLayout(param.layout, stored) : stored;
    tf.tidy(() => param.variable.assign(tf.tensor(ours.data, ours.shape)));
  }
  return { prefix, loaded: [...expected.keys()], ignored };
}

/** A module's tensors in our own layouts under their PyTorch names (what our checkpoints store). */
export function moduleTensors(
  module: Module<unknown>,
  prefix = '',
): Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> {
  const out = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
  for (const [name, param] of module.params.entries) {
    const data = Float32Array.from(param.variable.dataSync() as Float32Array);
    out.set(prefix + name, { dtype: 'F32', shape: [...param.variable.shape], data });
  }
  return out;
}

/**
 * A module's weights as a PyTorch state dict (float32, PyTorch layouts and names, optional key prefix),
 * ready for a safetensors writer and `load_state_dict` (which fills in `num_batches_tracked` itself).
 */
export function exportTorchStateDict(
  module: Module<unknown>,
  prefix = '',
): Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> {
  const out = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
  for (const [name, param] of module.params.entries) {
    const ours: StateTensor = {
      shape: [...param.variable.shape],
      data: Float32Array.from(param.variable.dataSync() as Float32Array),
    };
    const torch = toTorchLayout(param.layout, ours);
    out.set(prefix + name, { dtype: 'F32', shape: torch.shape, data: torch.data });
  }
  return out;
}
