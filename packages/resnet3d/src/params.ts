import { type Rng, tf } from 'renal-core';

/**
 * How a parameter is laid out, which decides its conversion to and from PyTorch:
 * `conv` — ours `[kd, kh, kw, Cin, Cout]`, PyTorch `[Cout, Cin, kd, kh, kw]`;
 * `linear` — ours `[in, out]`, PyTorch `[out, in]`; `vector` — the same in both.
 */
export type ParamLayout = 'conv' | 'linear' | 'vector';

/** One named parameter or buffer of a module. */
export interface NamedParam {
  variable: tf.Variable;
  layout: ParamLayout;
  /** False for batch-norm running statistics (buffers in PyTorch's terms). */
  trainable: boolean;
}

/**
 * The named tensors of a module, keyed by their PyTorch state-dict names (`layer1.0.conv1.weight`) and
 * stored in our channels-last layouts. Insertion order is the state-dict order.
 */
export class ParamStore {
  readonly entries = new Map<string, NamedParam>();

  /** Registers a tensor under a name; the store owns the variable made from it. */
  add(name: string, value: tf.Tensor, layout: ParamLayout, trainable = true): tf.Variable {
    if (this.entries.has(name)) throw new Error(`parameter ${name} registered twice`);
    const variable = tf.variable(value, trainable);
    value.dispose();
    this.entries.set(name, { variable, layout, trainable });
    return variable;
  }

  /** The variable under a name (throws if there is none — a bug, not a user error). */
  get(name: string): tf.Variable {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new Error(`no parameter named ${name}`);
    return entry.variable;
  }

  /** Variables an optimiser should update, in state-dict order. */
  trainableVariables(): tf.Variable[] {
    return [...this.entries.values()].filter((e) => e.trainable).map((e) => e.variable);
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const e of this.entries.values()) e.variable.dispose();
    this.entries.clear();
  }
}

/** A state-dict key: `prefix.name`, or just `name` at a module's top level (empty prefix). */
export function key(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** Kaiming-normal convolution filter (fan-out, ReLU gain), PyTorch's ResNet initialisation. */
export function initConvFilter(rng: Rng, kernel: readonly number[], cin: number, cout: number): tf.Tensor {
  const fanOut = cout * kernel[0] * kernel[1] * kernel[2];
  const shape = [kernel[0], kernel[1], kernel[2], cin, cout];
  return tf.tensor(rng.normalArray(fanOut * cin, 0, Math.sqrt(2 / fanOut)), shape);
}

/** PyTorch's default `nn.Linear` initialisation: uniform in ±1/√fan_in for weight (`[in, out]`) and bias. */
export function initLinear(
  rng: Rng,
  inFeatures: number,
  outFeatures: number,
): { weight: tf.Tensor; bias: tf.Tensor } {
  const bound = 1 / Math.sqrt(inFeatures);
  return {
    weight: tf.tensor(rng.uniformArray(inFeatures * outFeatures, -bound, bound), [inFeatures, outFeatures]),
    bias: tf.tensor(rng.uniformArray(outFeatures, -bound, bound), [outFeatures]),
  };
}

/** Registers a batch norm's four tensors (`weight`, `bias`, `running_mean`, `running_var`) under a prefix. */
export function addBatchNorm(store: ParamStore, prefix: string, channels: number): void {
  store.add(key(prefix, 'weight'), tf.ones([channels]), 'vector');
  store.add(key(prefix, 'bias'), tf.zeros([channels]), 'vector');
  store.add(key(prefix, 'running_mean'), tf.zeros([channels]), 'vector', false);
  store.add(key(prefix, 'running_var'), tf.ones([channels]), 'vector', false);
}

/** Registers a linear layer (`weight` `[in, out]`, optional `bias`) under a prefix. */
export function addLinear(
  store: ParamStore,
  rng: Rng,
  prefix: string,
  inF: number,
  outF: number,
  bias = true,
): void {
  const init = initLinear(rng, inF, outF);
  store.add(key(prefix, 'weight'), init.weight, 'linear');
  if (bias) store.add(key(prefix, 'bias'), init.bias, 'vector');
  else init.bias.dispose();
}
