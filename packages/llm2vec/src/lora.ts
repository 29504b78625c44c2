import { type Rng, tf } from 'renal-core';
import type { LlamaConfig } from './config.js';
import { WeightsError } from './errors.js';
import { type HostTensor, LINEAR_MODULES, type LinearModule, linearName, linearShape } from './weights.js';

/** LoRA hyper-parameters, as in PEFT's `LoraConfig`. */
export interface LoraConfig {
  /** Rank of the update `B·A`. */
  r: number;
  /** Scale numerator: the update is multiplied by `alpha / r`. */
  alpha: number;
  /** Dropout on the adapter's input during training. */
  dropout: number;
  /** Which projections get an adapter (LLM2Vec adapts all seven). */
  targetModules: LinearModule[];
}

/** LLM2Vec's LoRA settings for MNTP and SimCSE: r 16, α 32, dropout 0.05, every projection. */
export const DEFAULT_LORA: LoraConfig = {
  r: 16,
  alpha: 32,
  dropout: 0.05,
  targetModules: [...LINEAR_MODULES],
};

/** The two trainable matrices of one adapted projection: `A` `[r, in]`, `B` `[out, r]` (PEFT layout). */
export interface LoraPair {
  a: tf.Variable;
  b: tf.Variable;
}

const key = (layer: number, module: LinearModule) => `${layer}.${module}`;

/**
 * A set of LoRA adapters over a Llama model's projections. `A` starts Kaiming-uniform and `B` at zero,
 * as PEFT does, so a fresh adapter leaves the model unchanged.
 */
export class LoraAdapter {
  readonly scale: number;
  private readonly pairs = new Map<string, LoraPair>();

  private constructor(readonly config: LoraConfig) {
    this.scale = config.alpha / config.r;
  }

  /** A fresh adapter for a model shape. */
  static create(modelConfig: LlamaConfig, config: LoraConfig, rng: Rng): LoraAdapter {
    const adapter = new LoraAdapter(config);
    for (let layer = 0; layer < modelConfig.numHiddenLayers; layer++) {
      for (const module of config.targetModules) {
        const [out, inp] = linearShape(modelConfig, module);
        // kaiming_uniform_(a=√5) on [r, in] gives bound 1/√in.
        const bound = 1 / Math.sqrt(inp);
        const a = rng.uniformArray(config.r * inp, -bound, bound);
        adapter.set(
          layer,
          module,
          { shape: [config.r, inp], data: a },
          { shape: [out, config.r], data: new Float32Array(out * config.r) },
        );
      }
    }
    return adapter;
  }

  /** An adapter from PEFT tensors (`…layers.0.self_attn.q_proj.lora_A.weight`), checked against the model. */
  static fromPeft(
    modelConfig: LlamaConfig,
    config: LoraConfig,
    tensors: ReadonlyMap<string, HostTensor>,
    source = 'adapter',
  ): LoraAdapter {
    const adapter = new LoraAdapter(config);
    const byName = new Map<string, HostTensor>();
    for (const [name, t] of tensors) byName.set(peftCanonical(name), t);
    for (let layer = 0; layer < modelConfig.numHiddenLayers; layer++) {
      for (const module of config.targetModules) {
        const base = linearName(layer, module).replace(/\.weight$/, '');
        const a = byName.get(`${base}.lora_A.weight`);
        const b = byName.get(`${base}.lora_B.weight`);
        if (!a || !b) throw new WeightsError(`${source}: LoRA tensors for '${base}' are missing`);
        const [out, inp] = linearShape(modelConfig, module);
        if (a.shape[0] !== config.r || a.shape[1] !== inp || b.shape[0] !== out || b.shape[1] !== config.r) {
          throw new WeightsError(
            `${source}: LoRA '${base}' has A [${a.shape}] B [${b.shape}], expected A [${config.r},${inp}] B [${out},${config.r}]`,
          );
        }
        adapter.set(layer, module, a, b);
      }
    }
    return adapter;
  }

  private set(layer: number, module: LinearModule, a: HostTensor, b: HostTensor): void {
    // tf.variable keeps its initial tensor alive as a separate handle: dispose it once the variable exists.
    const variable = (t: HostTensor, name: string) => {
      const init = tf.tensor(t.data, t.shape);
      const v = tf.variable(init, true, `${name}.${layer}.${module}.${uniqueId()}`);
      init.dispose();
      return v;
    };
    this.pairs.set(key(layer, module), { a: variable(a, 'lora_A'), b: variable(b, 'lora_B') });
  }

  /** The adapter on one projection, if any. */
  get(layer: number, module: LinearModule): LoraPair | undefined {
    return this.pairs.get(key(layer, module));
  }

  /** Every trainable variable (the optimizer's variable list). */
  variables(): tf.Variable[] {
    return [...this.pairs.values()].flatMap((p) => [p.a, p.b]);
  }

  /** Number of trainable parameters. */
  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** The update `scale · B·A` for one projection, in PEFT's `[out, in]` layout (the model holds `[in, out]`). */
  delta(layer: number, module: LinearModule): tf.Tensor2D | undefined {
    const p = this.get(layer, module);
    if (!p) return undefined;
    return tf.tidy(() => tf.mul(tf.matMul(p.b, p.a), this.scale) as tf.Tensor2D);
  }

  /** Tensors under PEFT's names for a LlamaModel base (`base_model.model.layers.…`). */
  async toPeft(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [k, p] of this.pairs) {
      const [layer, module] = k.split('.') as [string, LinearModule];
      const base = `base_model.model.${linearName(Number(layer), module).replace(/\.weight$/, '')}`;
      out.set(`${base}.lora_A.weight`, {
        shape: p.a.shape.slice(),
        data: (await p.a.data()) as Float32Array,
      });
      out.set(`${base}.lora_B.weight`, {
        shape: p.b.shape.slice(),
        data: (await p.b.data()) as Float32Array,
      });
    }
    return out;
  }

  /** PEFT's `adapter_config.json` for this adapter. */
  peftConfig(baseModel = ''): Record<string, unknown> {
    return {
      peft_type: 'LORA',
      base_model_name_or_path: baseModel,
      r: this.config.r,
      lora_alpha: this.config.alpha,
      lora_dropout: this.config.dropout,
      target_modules: this.config.targetModules,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      task_type: null,
    };
  }

  /** Frees the adapter's variables. */
  dispose(): void {
    for (const p of this.pairs.values()) tf.dispose([p.a, p.b]);
    this.pairs.clear();
  }
}

let counter = 0;
const uniqueId = () => (counter++).toString(36);

/** Strips PEFT's `base_model.model.` (and a causal-LM `model.`) prefix. */
function peftCanonical(name: string): string {
  let n = name.startsWith('base_model.model.') ? name.slice('base_model.model.'.length) : name;
  if (n.startsWith('model.')) n = n.slice('model.'.length);
  // PEFT inserts the adapter name in memory (`lora_A.default.weight`); saved files drop it, accept both.
  return n.replace('.lora_A.default.', '.lora_A.').replace('.lora_B.default.', '.lora_B.');
}

/** Reads PEFT's `adapter_config.json` object into a {@link LoraConfig}. */
export function parsePeftConfig(json: Record<string, unknown>, source = 'adapter_config.json'): LoraConfig {
  if (json.peft_type !== undefined && json.peft_type !== 'LORA')
    throw new WeightsError(`${source}: peft_type '${String(json.peft_type)}' is not LORA`);
  const r = json.r;
  if (typeof r !== 'number' || r <= 0) throw new WeightsError(`${source}: 'r' must be a positive number`);
  const targets = (json.target_modules ?? []) as string[];
  const unknown = targets.filter((t) => !(LINEAR_MODULES as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new WeightsError(`${source}: unsupported target_modules ${unknown.join(', ')}`);
  return {
    r,
    alpha: typeof json.lora_alpha === 'number' ? json.lora_alpha : r,
    dropout: typeof json.lora_dropout === 'number' ? json.lora_dropout : 0,
    targetModules: targets as LinearModule[],
  };
}
