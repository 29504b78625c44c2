import type { tf } from 'renal-core';
import { ParamStore } from './params.js';

/**
 * What every trainable piece of this package shares: named parameters (PyTorch state-dict names,
 * channels-last layouts), the trainable subset for optimisers, a JSON config and disposal.
 */
export abstract class Module<Config> {
  /** Serialisation name of the concrete class. */
  abstract readonly className: string;
  /** Every weight and statistic, keyed by PyTorch state-dict name relative to this module. */
  readonly params = new ParamStore();

  /** The configuration as a plain JSON-safe object; `fromConfig` of the class rebuilds the module. */
  abstract getConfig(): Config;

  /** Variables an optimiser should update (batch-norm running statistics excluded). */
  get trainableVariables(): tf.Variable[] {
    return this.params.trainableVariables();
  }

  /** Number of trainable scalars. */
  countParams(): number {
    return this.trainableVariables.reduce((n, v) => n + v.size, 0);
  }

  /** Frees every variable. */
  dispose(): void {
    this.params.dispose();
  }
}
