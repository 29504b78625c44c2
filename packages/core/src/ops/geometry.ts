/**
 * Output-size and padding arithmetic shared by the 3-D convolution and pooling ops. Pure numbers, no
 * tensors: every op turns its `strides`/`padding` options into one {@link AxisPlan} per spatial axis.
 */

/** Per-axis triple (depth, height, width). */
export type Triple = [number, number, number];

/**
 * Padding: TensorFlow's `'same'` (output = ⌈input / stride⌉, any odd pad goes after) or `'valid'`
 * (no padding), or explicit `[before, after]` pairs for depth, height and width (PyTorch style).
 */
export type Padding3D = 'same' | 'valid' | [[number, number], [number, number], [number, number]];

/** Error thrown when a 3-D op gets a tensor or an option it cannot work with. */
export class Op3dArgumentError extends Error {
  override name = 'Op3dArgumentError';
}

/** How one spatial axis is walked: input size, window, stride, padding either side, output size. */
export interface AxisPlan {
  size: number;
  kernel: number;
  stride: number;
  before: number;
  after: number;
  out: number;
}

/** Normalises a stride option (a number or a triple) to a triple of positive integers. */
export function toTriple(value: number | Triple, what: string, op: string): Triple {
  const triple: Triple = typeof value === 'number' ? [value, value, value] : value;
  if (!Array.isArray(triple) || triple.length !== 3 || !triple.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Op3dArgumentError(
      `${op}: ${what} must be a positive integer or three of them, got ${JSON.stringify(value)}`,
    );
  }
  return [...triple] as Triple;
}

/** Plans the three spatial axes of a window op over `[N, D, H, W, C]` input. */
export function planAxes(
  input: Triple,
  kernel: Triple,
  strides: Triple,
  padding: Padding3D,
  op: string,
): [AxisPlan, AxisPlan, AxisPlan] {
  if (padding !== 'same' && padding !== 'valid') {
    const ok =
      Array.isArray(padding) &&
      padding.length === 3 &&
      padding.every(
        (p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0),
      );
    if (!ok) {
      throw new Op3dArgumentError(
        `${op}: padding must be 'same', 'valid' or [[b,a],[b,a],[b,a]] of non-negative integers, got ${JSON.stringify(padding)}`,
      );
    }
  }
  const axes = ['depth', 'height', 'width'];
  return [0, 1, 2].map((a) => {
    const size = input[a];
    const k = kernel[a];
    const s = strides[a];
    let before: number;
    let after: number;
    if (padding === 'same') {
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + k - size, 0);
      before = Math.floor(total / 2);
      after = total - before;
    } else if (padding === 'valid') {
      before = 0;
      after = 0;
    } else {
      [before, after] = padding[a];
    }
    const span = size + before + after - k;
    if (span < 0) {
      throw new Op3dArgumentError(
        `${op}: window ${k} does not fit the padded ${axes[a]} (${size} + ${before} + ${after})`,
      );
    }
    return { size, kernel: k, stride: s, before, after, out: Math.floor(span / s) + 1 };
  }) as [AxisPlan, AxisPlan, AxisPlan];
}

/**
 * FLOP count of a 3-D convolution's forward pass (2 per multiply–add): `axes` gives each spatial axis's
 * output size and kernel size, e.g. `[{out: 32, kernel: 3}, {out: 64, kernel: 3}, {out: 64, kernel: 3}]`.
 */
export function conv3dFlops(
  axes: readonly Pick<AxisPlan, 'out' | 'kernel'>[],
  batch: number,
  cin: number,
  cout: number,
): number {
  const plans = axes;
  const outputs = plans.reduce((p, a) => p * a.out, batch);
  const taps = plans.reduce((p, a) => p * a.kernel, 1);
  return 2 * outputs * taps * cin * cout;
}
