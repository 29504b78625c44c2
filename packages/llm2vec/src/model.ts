import { tf } from 'renal-core';
import { attentionBias, positionIds, type TokenBatch } from './batch.js';
import type { LlamaConfig } from './config.js';
import { dropout, maskedSoftmax, swiglu } from './fused.js';
import type { LoraAdapter } from './lora.js';
import { loraUpdate } from './lora-update.js';
import { batchedMatMul } from './batched-matmul.js';
import { mm } from './matmul.js';
import { rmsNorm } from './rms-norm.js';
import { ropeInverseFrequencies, ropeTables } from './rope.js';
import { disposeWeights, LINEAR_MODULES, type LinearModule, type LlamaWeights } from './weights.js';

/** How one forward pass runs. */
export interface ForwardOptions {
  /** No causal mask: every token sees every other real token (LLM2Vec). Default true. */
  bidirectional?: boolean;
  /** Apply attention and LoRA dropout. Default false. */
  training?: boolean;
  /** Attention dropout rate while training (default the config's `attentionDropout`). */
  attentionDropout?: number;
  /** Seed for this pass's dropout masks (two passes with different seeds see different masks). */
  seed?: number;
}

/**
 * Hugging Face's `rotate_half` (`[x1, x2] → [−x2, x1]` along the last axis) as a product with a signed
 * permutation matrix, exact in float32. Two slices, a negation and a concat (and their gradients: pads and
 * splits) cost several times more than a `[rows, headDim] × [headDim, headDim]` product on wasm.
 */
function rotateHalf(x: tf.Tensor4D): tf.Tensor4D {
  const d = x.shape[3];
  const half = d / 2;
  const rotation = new Float32Array(d * d);
  for (let j = 0; j < half; j++) {
    rotation[(j + half) * d + j] = -1;
    rotation[j * d + j + half] = 1;
  }
  const r = tf.tensor2d(rotation, [d, d]);
  const rows = tf.reshape(x, [-1, d]) as tf.Tensor2D;
  return tf.reshape(mm(rows, r, { b: true, transposedB: (saved) => tf.neg(saved) }), x.shape) as tf.Tensor4D;
}

/** Applies rotary embeddings (cos/sin `[B, 1, T, headDim]`) to queries or keys `[B, heads, T, headDim]`. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x), sin)) as tf.Tensor4D);
}

/**
 * A Llama-architecture decoder stack used as an encoder: token embeddings → N × (RMSNorm → attention with
 * RoPE and grouped-query heads → residual → RMSNorm → SwiGLU → residual) → RMSNorm. Weights are fixed
 * tensors; an optional {@link LoraAdapter} adds trainable low-rank updates to the projections.
 */
export class LlamaModel {
  /** LoRA adapter applied on top of the base weights, or null. */
  lora: LoraAdapter | null = null;
  private readonly invFreq: Float64Array;
  private seedCounter = 0;
  /** `Wᵀ` of fixed base weights, made by the first backward pass through them and reused after. */
  private readonly transposedWeights = new Map<tf.Tensor, tf.Tensor2D>();

  constructor(
    readonly config: LlamaConfig,
    public weights: LlamaWeights,
  ) {
    this.invFreq = ropeInverseFrequencies(config);
  }

  /** Number of base parameters. */
  parameterCount(): number {
    const w = this.weights;
    let n = w.embedTokens.size + w.norm.size + (w.lmHead?.size ?? 0);
    for (const l of w.layers)
      n +=
        l.inputNorm.size + l.postAttentionNorm.size + Object.values(l.linear).reduce((s, t) => s + t.size, 0);
    return n;
  }

  /** The output projection `[vocab, hidden]` (the embedding matrix when tied). */
  get lmHead(): tf.Tensor2D {
    return this.weights.lmHead ?? this.weights.embedTokens;
  }

  /** Last hidden states `[B, T, hidden]` (after the final RMSNorm) of a left-padded batch. */
  forward(batch: TokenBatch, options: ForwardOptions = {}): tf.Tensor3D {
    const { batchSize: B, seqLen: T } = batch;
    const cfg = this.config;
    const training = options.training ?? false;
    const baseSeed = options.seed ?? this.seedCounter++ * 7919;
    const { cos, sin } = ropeTables(this.invFreq, positionIds(batch));
    const bias = attentionBias(batch, options.bidirectional ?? true);
    return tf.tidy(() => {
      const ctx: LayerContext = {
        B,
        T,
        cos: tf.tensor4d(cos, [B, 1, T, cfg.headDim]),
        sin: tf.tensor4d(sin, [B, 1, T, cfg.headDim]),
        bias: tf.tensor4d(bias, [B, 1, T, T]),
        dropout: training ? (options.attentionDropout ?? cfg.attentionDropout) : 0,
        loraDropout: training ? (this.lora?.config.dropout ?? 0) : 0,
        seed: baseSeed,
      };
      let x = embedLookup(this.weights.embedTokens, batch.inputIds);
      // A scope per layer frees each layer's intermediates as soon as it is done (what backprop needs
      // is kept by the tape); one scope for all layers made wasm's heap overflow at batch 8 × 256.
      for (let i = 0; i < cfg.numHiddenLayers; i++) {
        const input = x;
        x = tf.tidy(() => this.decoderLayer(input, i, ctx));
      }
      return tf.reshape(rmsNorm(x, this.weights.norm, cfg.rmsNormEps), [B, T, cfg.hiddenSize]) as tf.Tensor3D;
    });
  }

  private linear(x: tf.Tensor2D, layer: number, module: LinearModule, ctx: LayerContext): tf.Tensor2D {
    const w = this.weights.layers[layer].linear[module];
    const y = mm(x, w, {
      b: !(w instanceof tf.Variable && w.trainable),
      transposedB: () => this.transposedWeight(w),
    }) as tf.Tensor2D;
    const pair = this.lora?.get(layer, module);
    if (!pair) return y;
    const xIn = ctx.loraDropout > 0 ? dropout(x, ctx.loraDropout, ctx.seed++) : x;
    return tf.add(
      y,
      loraUpdate(xIn as tf.Tensor2D, pair.a as tf.Tensor2D, pair.b as tf.Tensor2D, this.lora!.scale),
    ) as tf.Tensor2D;
  }

  /**
   * A fixed weight's transpose for the input gradient `dy·Wᵀ`, kept between training steps: transposing
   * every base weight anew in each backward pass was ~10 % of a LoRA step on wasm, and a stable tensor also
   * lets XNNPACK reuse its packed copy. Costs one extra copy of the base weights while training.
   */
  private transposedWeight(w: tf.Tensor2D): tf.Tensor2D {
    let t = this.transposedWeights.get(w);
    if (t === undefined || t.isDisposed) {
      this.forgetTransposes((weight) => weight.isDisposed);
      t = tf.keep(tf.transpose(w));
      this.transposedWeights.set(w, t);
    }
    return t;
  }

  /** Drops the kept transposes of the weights `which` selects (all by default). */
  private forgetTransposes(which: (weight: tf.Tensor) => boolean = () => true): void {
    for (const [weight, t] of this.transposedWeights) {
      if (!which(weight)) continue;
      t.dispose();
      this.transposedWeights.delete(weight);
    }
  }

  private decoderLayer(x: tf.Tensor2D, i: number, ctx: LayerContext): tf.Tensor2D {
    const cfg = this.config;
    const w = this.weights.layers[i];
    const h = rmsNorm(x, w.inputNorm, cfg.rmsNormEps) as tf.Tensor2D;
    x = tf.add(x, this.attention(h, i, ctx));
    const g = rmsNorm(x, w.postAttentionNorm, cfg.rmsNormEps) as tf.Tensor2D;
    const gate = this.linear(g, i, 'gate_proj', ctx);
    const hiddenMlp = swiglu(gate, this.linear(g, i, 'up_proj', ctx)) as tf.Tensor2D;
    return tf.add(x, this.linear(hiddenMlp, i, 'down_proj', ctx));
  }

  private attention(h: tf.Tensor2D, i: number, ctx: LayerContext): tf.Tensor2D {
    const { B, T } = ctx;
    const { numAttentionHeads: H, numKeyValueHeads: KV, headDim: hd } = this.config;
    const rep = H / KV;
    const heads = (t: tf.Tensor2D, n: number) =>
      tf.transpose(tf.reshape(t, [B, T, n, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
    // Scaling q (T·hd values) instead of the scores (T·T) saves a [B, H, T, T] tensor.
    const qProj = tf.mul(this.linear(h, i, 'q_proj', ctx), 1 / Math.sqrt(hd)) as tf.Tensor2D;
    const q = applyRope(heads(qProj, H), ctx.cos, ctx.sin);
    const k = applyRope(heads(this.linear(h, i, 'k_proj', ctx), KV), ctx.cos, ctx.sin);
    const v = heads(this.linear(h, i, 'v_proj', ctx), KV);
    // Grouped-query attention without copying keys: the `rep` query heads sharing one key/value head
    // are stacked along the sequence axis, [B, KV, rep·T, hd].
    const grouped = tf.reshape(q, [B * KV, rep * T, hd]) as tf.Tensor3D;
    const keysT = tf.transpose(tf.reshape(k, [B * KV, T, hd]), [0, 2, 1]) as tf.Tensor3D;
    const scores = tf.reshape(batchedMatMul(grouped, keysT), [B, H, T, T]);
    let probs = maskedSoftmax(scores, ctx.bias);
    if (ctx.dropout > 0) probs = dropout(probs, ctx.dropout, ctx.seed++);
    const values = tf.reshape(v, [B * KV, T, hd]) as tf.Tensor3D;
    const out = tf.reshape(batchedMatMul(tf.reshape(probs, [B * KV, rep * T, T]), values), [B, H, T, hd]);
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
    return this.linear(merged, i, 'o_proj', ctx);
  }

  /**
   * Folds the LoRA adapter into the base weights (`W + α/r · B·A`) and drops it, so later passes cost
   * nothing extra and a new adapter can be trained on top (LLM2Vec: SimCSE over merged MNTP weights).
   */
  mergeLora(): void {
    const lora = this.lora;
    if (!lora) return;
    this.forgetTransposes();
    this.weights.layers.forEach((layer, i) => {
      for (const m of LINEAR_MODULES) {
        const delta = lora.delta(i, m);
        if (!delta) continue;
        const merged = tf.tidy(() => tf.keep(tf.add(layer.linear[m], tf.transpose(delta)) as tf.Tensor2D));
        delta.dispose();
        layer.linear[m].dispose();
        layer.linear[m] = merged;
      }
    });
    lora.dispose();
    this.lora = null;
  }

  /**
   * Turns every base weight into a trainable variable (full training, for models trained from scratch)
   * and returns them; later passes read the variables.
   */
  trainableWeights(): tf.Variable[] {
    this.forgetTransposes();
    const w = this.weights;
    const vars: tf.Variable[] = [];
    const lift = <T extends tf.Tensor>(t: T): T => {
      if (t instanceof tf.Variable) {
        vars.push(t);
        return t;
      }
      const v = tf.variable(t, true);
      t.dispose();
      vars.push(v);
      return v as unknown as T;
    };
    w.embedTokens = lift(w.embedTokens);
    w.norm = lift(w.norm);
    if (w.lmHead) w.lmHead = lift(w.lmHead);
    for (const layer of w.layers) {
      layer.inputNorm = lift(layer.inputNorm);
      layer.postAttentionNorm = lift(layer.postAttentionNorm);
      for (const m of LINEAR_MODULES) layer.linear[m] = lift(layer.linear[m]);
    }
    return vars;
  }

  /** Frees the weights and any adapter. */
  dispose(): void {
    this.forgetTransposes();
    this.lora?.dispose();
    this.lora = null;
    disposeWeights(this.weights);
  }
}

/**
 * Embedding rows for token ids `[N]` → `[N, D]`. When the table is being trained, the gradient is a
 * product with a host-built one-hot matrix instead of tfjs's gather gradient (UnsortedSegmentSum, which
 * costs vocabulary × tokens passes on the cpu backend).
 */
function embedLookup(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const idsTensor = tf.tensor1d(ids, 'int32');
  if (!(table instanceof tf.Variable && table.trainable)) return tf.gather(table, idsTensor);
  const [vocab] = table.shape;
  const lookup = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.gather(t, idsTensor),
      gradFunc: (dy: tf.Tensor) => {
        const oneHotT = new Float32Array(vocab * ids.length);
        ids.forEach((id, i) => {
          oneHotT[id * ids.length + i] = 1;
        });
        return tf.matMul(tf.tensor2d(oneHotT, [vocab, ids.length]), dy as tf.Tensor2D);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return lookup(table) as tf.Tensor2D;
}

interface LayerContext {
  B: number;
  T: number;
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  bias: tf.Tensor4D;
  dropout: number;
  loraDropout: number;
  seed: number;
}
