/**
 * Independent float64 references for the 3-D ops, written as plain loops over channels-last arrays, and
 * central finite differences. Nothing here touches TensorFlow.js.
 */

export type Shape5 = [number, number, number, number, number];
export type Pads = [[number, number], [number, number], [number, number]];
export type Triple = [number, number, number];

/** A dense float64 array with its channels-last shape. */
export interface Arr {
  data: Float64Array;
  shape: number[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** TensorFlow's 'same' padding (extra pad after) or 'valid', per axis, as explicit pads. */
export function resolvePads(
  input: Triple,
  kernel: Triple,
  strides: Triple,
  padding: 'same' | 'valid' | Pads,
): Pads {
  if (padding === 'valid')
    return [
      [0, 0],
      [0, 0],
      [0, 0],
    ];
  if (padding !== 'same') return padding;
  return [0, 1, 2].map((a) => {
    const total = Math.max((Math.ceil(input[a] / strides[a]) - 1) * strides[a] + kernel[a] - input[a], 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }) as Pads;
}

/** Iterates every output voxel and kernel tap of a 3-D window op, giving the input index (or -1 if padding). */
function windows(
  xShape: readonly number[],
  kernel: Triple,
  strides: Triple,
  pads: Pads,
  visit: (n: number, o: Triple, oIndex: number, tap: Triple, xBase: number) => void,
): Triple {
  const [, d, h, w, c] = xShape;
  const out = [d, h, w].map(
    (len, a) => Math.floor((len + pads[a][0] + pads[a][1] - kernel[a]) / strides[a]) + 1,
  ) as Triple;
  let oIndex = 0;
  for (let n = 0; n < xShape[0]; n++)
    for (let od = 0; od < out[0]; od++)
      for (let oh = 0; oh < out[1]; oh++)
        for (let ow = 0; ow < out[2]; ow++, oIndex++)
          for (let td = 0; td < kernel[0]; td++)
            for (let th = 0; th < kernel[1]; th++)
              for (let tw = 0; tw < kernel[2]; tw++) {
                const id = od * strides[0] + td - pads[0][0];
                const ih = oh * strides[1] + th - pads[1][0];
                const iw = ow * strides[2] + tw - pads[2][0];
                const inside = id >= 0 && id < d && ih >= 0 && ih < h && iw >= 0 && iw < w;
                const base = inside ? (((n * d + id) * h + ih) * w + iw) * c : -1;
                visit(n, [od, oh, ow], oIndex, [td, th, tw], base);
              }
  return out;
}

/** Direct 3-D convolution (cross-correlation, as TensorFlow), float64. */
export function refConv3d(x: Arr, f: Arr, strides: Triple, pads: Pads): Arr {
  const [kd, kh, kw, cin, cout] = f.shape;
  const out = windows(x.shape, [kd, kh, kw], strides, pads, () => {});
  const y = new Float64Array(x.shape[0] * size(out) * cout);
  windows(x.shape, [kd, kh, kw], strides, pads, (_n, _o, oIndex, [td, th, tw], base) => {
    if (base < 0) return;
    const fBase = ((td * kh + th) * kw + tw) * cin * cout;
    for (let ci = 0; ci < cin; ci++) {
      const xv = x.data[base + ci];
      for (let co = 0; co < cout; co++) y[oIndex * cout + co] += xv * f.data[fBase + ci * cout + co];
    }
  });
  return { data: y, shape: [x.shape[0], ...out, cout] };
}

/** Max pooling, float64; padded positions are −∞. */
export function refMaxPool3d(x: Arr, kernel: Triple, strides: Triple, pads: Pads): Arr {
  const c = x.shape[4];
  const out = windows(x.shape, kernel, strides, pads, () => {});
  const y = new Float64Array(x.shape[0] * size(out) * c).fill(Number.NEGATIVE_INFINITY);
  windows(x.shape, kernel, strides, pads, (_n, _o, oIndex, _t, base) => {
    if (base < 0) return;
    for (let ci = 0; ci < c; ci++) y[oIndex * c + ci] = Math.max(y[oIndex * c + ci], x.data[base + ci]);
  });
  return { data: y, shape: [x.shape[0], ...out, c] };
}

/** Average pooling, float64; `countPadding` counts padded zeros in the mean (PyTorch) or not (TF 'same'). */
export function refAvgPool3d(
  x: Arr,
  kernel: Triple,
  strides: Triple,
  pads: Pads,
  countPadding: boolean,
): Arr {
  const c = x.shape[4];
  const out = windows(x.shape, kernel, strides, pads, () => {});
  const y = new Float64Array(x.shape[0] * size(out) * c);
  const counts = new Float64Array(x.shape[0] * size(out));
  windows(x.shape, kernel, strides, pads, (_n, _o, oIndex, _t, base) => {
    if (base >= 0 || countPadding) counts[oIndex]++;
    if (base < 0) return;
    for (let ci = 0; ci < c; ci++) y[oIndex * c + ci] += x.data[base + ci];
  });
  for (let i = 0; i < y.length; i++) y[i] /= counts[Math.floor(i / c)];
  return { data: y, shape: [x.shape[0], ...out, c] };
}

/** Batch norm in training mode over all axes but the last, float64 (biased batch variance). */
export function refBatchNormTrain(x: Arr, gamma: Float64Array, beta: Float64Array, eps: number): Arr {
  const c = x.shape[x.shape.length - 1];
  const m = x.data.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.data.length; i++) mean[i % c] += x.data[i] / m;
  for (let i = 0; i < x.data.length; i++) variance[i % c] += (x.data[i] - mean[i % c]) ** 2 / m;
  const y = x.data.map(
    (v, i) => ((v - mean[i % c]) / Math.sqrt(variance[i % c] + eps)) * gamma[i % c] + beta[i % c],
  );
  return { data: y, shape: x.shape };
}

/**
 * Gradient of L = Σ f(inputs)·r with respect to `inputs[which]`, by central differences in float64.
 * For the (bi)linear ops here the result is exact up to rounding.
 */
export function finiteDifference(
  f: (inputs: Arr[]) => Arr,
  inputs: Arr[],
  r: Float64Array,
  which: number,
  h = 1e-3,
): Float64Array {
  const loss = () => f(inputs).data.reduce((s, v, i) => s + v * r[i], 0);
  const target = inputs[which].data;
  const grad = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const keep = target[i];
    target[i] = keep + h;
    const plus = loss();
    target[i] = keep - h;
    const minus = loss();
    target[i] = keep;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / (scale || 1);
}
