import { tf } from 'renal-core';

/** A group of variables sharing a learning-rate multiplier and weight decay (e.g. backbone vs projection). */
export interface ParamGroup {
  variables: tf.Variable[];
  /** Multiplies the step's learning rate (default 1): the paper's backbone 1e-5 vs projection 5e-4. */
  lrScale?: number;
  /** Decoupled weight decay of this group (default: the optimiser's). */
  weightDecay?: number;
}

/** Hyper-parameters of {@link AdamW}. */
export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), step for step as `torch.optim.AdamW`:
 * p ← p·(1 − lr·wd); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p ← p − lr · m̂ / (√v̂ + ε).
 * tfjs 4.22 has no AdamW; its Adam couples decay into the gradient, which is not the paper's optimiser.
 * The learning rate is passed to every step, so any schedule can drive it.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Steps taken (the bias correction's t). */
  step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(
    readonly groups: ParamGroup[],
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
  }

  /** Every variable the optimiser updates. */
  get variables(): tf.Variable[] {
    return this.groups.flatMap((g) => g.variables);
  }

  /** Applies one update with gradients keyed by variable name (missing gradients leave a variable as is). */
  applyGradients(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const t = this.step;
    const correction1 = 1 - this.beta1 ** t;
    const correction2 = 1 - this.beta2 ** t;
    for (const group of this.groups) {
      const groupLr = lr * (group.lrScale ?? 1);
      const decay = group.weightDecay ?? this.weightDecay;
      for (const variable of group.variables) {
        const grad = grads[variable.name];
        if (!grad) continue;
        const { m, v } = this.momentsOf(variable);
        tf.tidy(() => {
          const newM = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
          const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
          const denominator = tf.add(tf.sqrt(tf.div(newV, correction2)), this.epsilon);
          const update = tf.mul(tf.div(tf.div(newM, correction1), denominator), groupLr);
          m.assign(newM);
          v.assign(newV);
          variable.assign(tf.sub(tf.mul(variable, 1 - groupLr * decay), update));
        });
      }
    }
  }

  /** The optimiser state as named tensors (`<var>/m`, `<var>/v`) for a checkpoint. */
  stateTensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, { m, v }] of this.moments) {
      out[`${name}/m`] = m;
      out[`${name}/v`] = v;
    }
    return out;
  }

  /** Restores moments written by {@link stateTensors}; `step` must be restored separately. */
  loadState(tensors: Record<string, tf.Tensor>, step: number): void {
    this.step = step;
    for (const variable of this.variables) {
      const m = tensors[`${variable.name}/m`];
      const v = tensors[`${variable.name}/v`];
      if (!m || !v) continue;
      const slot = this.momentsOf(variable);
      slot.m.assign(m);
      slot.v.assign(v);
    }
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  private momentsOf(variable: tf.Variable) {
    let slot = this.moments.get(variable.name);
    if (!slot) {
      // In a tidy: the variables keep their data, the zero tensors they were made from are freed.
      slot = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(variable), false),
        v: tf.variable(tf.zerosLike(variable), false),
      }));
      this.moments.set(variable.name, slot);
    }
    return slot;
  }
}
