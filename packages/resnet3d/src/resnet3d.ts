import { Rng, tf } from 'renal-core';
import {
  type BlockPlan,
  featureWidth,
  planBlocks,
  type ResNet3dConfig,
  type ResNet3dOptions,
  resolveResNet3dConfig,
  type Triple3,
} from './config.js';
import { dilatedConv3d } from './dilated-conv.js';
import { checkFinite, checkFiniteAsync, checkTensor } from './input-checks.js';
import { batchNorm3d, conv3d, globalAvgPool3d, maxPool3d, subsample3d } from './ops.js';
import { Module } from './module.js';
import { addBatchNorm, initConvFilter } from './params.js';

/** Options of a forward pass. */
export interface ApplyOptions {
  /** Batch statistics (and running-statistics updates) instead of the running statistics. Default false. */
  training?: boolean;
  /**
   * Check the input for NaN/±Infinity first (one scalar read back). Default true, except on WebGPU, which
   * has no synchronous read-back under Node: there call {@link ResNet3d.checkInput} (async) yourself.
   */
  checkFinite?: boolean;
}

type Padding = [[number, number], [number, number], [number, number]];

function symmetricPadding(kernel: Triple3): Padding {
  return kernel.map((k) => [Math.floor(k / 2), Math.floor(k / 2)]) as Padding;
}

const CUBE3: Triple3 = [3, 3, 3];
const CUBE1: Triple3 = [1, 1, 1];

/**
 * A 3-D ResNet backbone, channels last: `[N, D, H, W, inChannels]` → pooled features `[N, featureWidth]`
 * (512 for ResNet-10/18/34 at default widths, 2048 for ResNet-50). Weights are `tf.Variable`s named by
 * their PyTorch state-dict names (see `params`), so any TensorFlow.js optimiser trains it.
 */
export class ResNet3d extends Module<ResNet3dConfig> {
  /** Serialisation name. */
  static readonly className = 'ResNet3d';
  /** Serialisation name. */
  readonly className = ResNet3d.className;
  /** The resolved configuration. */
  readonly config: ResNet3dConfig;
  /** Width of the pooled features. */
  readonly featureWidth: number;
  private readonly blocks: BlockPlan[];

  /** Builds a backbone with freshly initialised weights (PyTorch's scheme), seeded for reproducibility. */
  constructor(options: ResNet3dOptions = {}, seed = 0) {
    super();
    this.config = resolveResNet3dConfig(options);
    this.featureWidth = featureWidth(this.config);
    this.blocks = planBlocks(this.config);
    this.createParams(new Rng(seed));
  }

  /** Rebuilds a backbone from {@link ResNet3d.getConfig}'s output (weights freshly initialised). */
  static fromConfig(config: ResNet3dConfig, seed = 0): ResNet3d {
    return new ResNet3d(config, seed);
  }

  /** The configuration as a plain JSON-safe object. */
  getConfig(): ResNet3dConfig {
    return structuredClone(this.config);
  }

  /**
   * Pooled features of a batch `[N, D, H, W, inChannels]` (float32). Throws `ResNet3dInputError` on a wrong
   * rank, channel count or dtype, or on non-finite values.
   */
  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor2D {
    this.checkShape(x);
    if (options.checkFinite ?? tf.getBackend() !== 'webgpu') checkFinite(x, 'ResNet3d input');
    const training = options.training ?? false;
    return tf.tidy(() => {
      let y = this.stem(x as tf.Tensor5D, training);
      for (const block of this.blocks) y = this.block(block, y, training);
      return globalAvgPool3d(y);
    });
  }

  /** Validates an input batch — rank, channels, dtype and finiteness — with an asynchronous read-back. */
  async checkInput(x: tf.Tensor): Promise<void> {
    this.checkShape(x);
    await checkFiniteAsync(x, 'ResNet3d input');
  }

  private checkShape(x: tf.Tensor): void {
    checkTensor(
      x,
      'ResNet3d input',
      [null, null, null, null, this.config.inChannels],
      ['N', 'D', 'H', 'W', 'C'],
    );
  }

  private createParams(rng: Rng): void {
    const { inChannels, widths, stemKernel, shortcut } = this.config;
    this.params.add('conv1.weight', initConvFilter(rng, stemKernel, inChannels, widths[0]), 'conv');
    addBatchNorm(this.params, 'bn1', widths[0]);
    for (const b of this.blocks) {
      const p = b.prefix;
      if (b.kind === 'basic') {
        this.params.add(`${p}.conv1.weight`, initConvFilter(rng, CUBE3, b.inChannels, b.planes), 'conv');
        addBatchNorm(this.params, `${p}.bn1`, b.planes);
        this.params.add(`${p}.conv2.weight`, initConvFilter(rng, CUBE3, b.planes, b.planes), 'conv');
        addBatchNorm(this.params, `${p}.bn2`, b.planes);
      } else {
        this.params.add(`${p}.conv1.weight`, initConvFilter(rng, CUBE1, b.inChannels, b.planes), 'conv');
        addBatchNorm(this.params, `${p}.bn1`, b.planes);
        this.params.add(`${p}.conv2.weight`, initConvFilter(rng, CUBE3, b.planes, b.planes), 'conv');
        addBatchNorm(this.params, `${p}.bn2`, b.planes);
        this.params.add(`${p}.conv3.weight`, initConvFilter(rng, CUBE1, b.planes, b.outChannels), 'conv');
        addBatchNorm(this.params, `${p}.bn3`, b.outChannels);
      }
      if (b.downsample && shortcut === 'B') {
        this.params.add(
          `${p}.downsample.0.weight`,
          initConvFilter(rng, CUBE1, b.inChannels, b.outChannels),
          'conv',
        );
        if (this.config.downsampleBias)
          this.params.add(`${p}.downsample.0.bias`, tf.zeros([b.outChannels]), 'vector');
        addBatchNorm(this.params, `${p}.downsample.1`, b.outChannels);
      }
    }
  }

  private conv(name: string, x: tf.Tensor5D, stride: number | Triple3, kernel: Triple3): tf.Tensor5D {
    const filter = this.params.get(`${name}.weight`) as unknown as tf.Tensor5D;
    return conv3d(x, filter, { strides: stride, padding: symmetricPadding(kernel) });
  }

  /** A block's 3×3×3 convolution: strided, or dilated (stride 1) in MedicalNet's later stages. */
  private conv3(name: string, x: tf.Tensor5D, stride: number, dilation: number): tf.Tensor5D {
    if (dilation === 1) return this.conv(name, x, stride, CUBE3);
    return dilatedConv3d(x, this.params.get(`${name}.weight`) as unknown as tf.Tensor5D, dilation);
  }

  private bn(prefix: string, x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    const p = this.params;
    return batchNorm3d(
      x,
      {
        gamma: p.get(`${prefix}.weight`),
        beta: p.get(`${prefix}.bias`),
        movingMean: p.get(`${prefix}.running_mean`),
        movingVariance: p.get(`${prefix}.running_var`),
      },
      { training, momentum: this.config.bnMomentum, epsilon: this.config.bnEpsilon },
    ) as tf.Tensor5D;
  }

  private stem(x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    const y = tf.relu(
      this.bn('bn1', this.conv('conv1', x, this.config.stemStride, this.config.stemKernel), training),
    );
    return this.config.maxPool ? maxPool3d(y, 3, 2, 1) : y;
  }

  private block(b: BlockPlan, x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    const p = b.prefix;
    let y: tf.Tensor5D;
    if (b.kind === 'basic') {
      y = tf.relu(this.bn(`${p}.bn1`, this.conv3(`${p}.conv1`, x, b.stride, b.dilation), training));
      y = this.bn(`${p}.bn2`, this.conv3(`${p}.conv2`, y, 1, b.dilation), training);
    } else {
      y = tf.relu(this.bn(`${p}.bn1`, this.conv(`${p}.conv1`, x, 1, CUBE1), training));
      y = tf.relu(this.bn(`${p}.bn2`, this.conv3(`${p}.conv2`, y, b.stride, b.dilation), training));
      y = this.bn(`${p}.bn3`, this.conv(`${p}.conv3`, y, 1, CUBE1), training);
    }
    return tf.relu(tf.add(y, this.shortcut(b, x, training)) as tf.Tensor5D);
  }

  private shortcut(b: BlockPlan, x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    if (!b.downsample) return x;
    if (this.config.shortcut === 'B') {
      let down = this.conv(`${b.prefix}.downsample.0`, x, b.stride, CUBE1);
      if (this.config.downsampleBias)
        down = addChannelBias(down, this.params.get(`${b.prefix}.downsample.0.bias`));
      return this.bn(`${b.prefix}.downsample.1`, down, training);
    }
    return this.config.detachShortcutA
      ? shortcutADetached(x, b.outChannels, b.stride)
      : shortcutA(x, b.outChannels, b.stride);
  }
}

/** `x + bias` over the channel axis, through a 2-D view (rank-5 broadcasting is broken on WebGPU). */
function addChannelBias(x: tf.Tensor5D, bias: tf.Tensor): tf.Tensor5D {
  const c = x.shape[4];
  return tf.reshape(tf.add(tf.reshape(x, [-1, c]), bias), x.shape);
}

/** Type-A shortcut: keep every stride-th voxel (from the first) and append zero channels. */
function shortcutA(x: tf.Tensor5D, outChannels: number, stride: number): tf.Tensor5D {
  const sub = subsample3d(x, stride);
  const extra = outChannels - x.shape[4];
  if (extra <= 0) return sub;
  // Pad a 2-D [positions, C] view: rank-5 pads are slow on wasm and broken on WebGPU.
  const [n, d, h, w, c] = sub.shape;
  const padded = tf.pad(tf.reshape(sub, [n * d * h * w, c]), [
    [0, 0],
    [0, extra],
  ]);
  return tf.reshape(padded, [n, d, h, w, outChannels]);
}

/** {@link shortcutA} with no gradient, like the reference implementations' `torch.cat([out.data, zeros])`. */
function shortcutADetached(x: tf.Tensor5D, outChannels: number, stride: number): tf.Tensor5D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor5D;
    return { value: shortcutA(input, outChannels, stride), gradFunc: () => tf.zeros(input.shape) };
  });
  return f(x) as tf.Tensor5D;
}
