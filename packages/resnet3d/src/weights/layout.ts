import type { ParamLayout } from '../params.js';

/** A tensor as a state dict holds it: shape plus row-major float32 elements. */
export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

/** Permutes a row-major array: output axis i is input axis `perm[i]`. */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): StateTensor {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const stridesInOutOrder = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    // Odometer increment over the output index, tracking the source offset incrementally.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      src += stridesInOutOrder[axis];
      if (index[axis] < outShape[axis]) break;
      src -= stridesInOutOrder[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return { shape: outShape, data: out };
}

/** Ours `[kd, kh, kw, Cin, Cout]` ← PyTorch `[Cout, Cin, kd, kh, kw]`. */
const CONV_FROM_TORCH = [2, 3, 4, 1, 0];
/** PyTorch `[Cout, Cin, kd, kh, kw]` ← ours `[kd, kh, kw, Cin, Cout]`. */
const CONV_TO_TORCH = [4, 3, 0, 1, 2];

/** The PyTorch shape of a parameter of ours. */
export function torchShape(layout: ParamLayout, shape: readonly number[]): number[] {
  if (layout === 'conv') return CONV_TO_TORCH.map((p) => shape[p]);
  if (layout === 'linear') return [shape[1], shape[0]];
  return [...shape];
}

/** Converts a PyTorch tensor (NCDHW filters, `[out, in]` linear weights) to our layout. */
export function fromTorchLayout(layout: ParamLayout, tensor: StateTensor): StateTensor {
  if (layout === 'conv') return permute(tensor.data, tensor.shape, CONV_FROM_TORCH);
  if (layout === 'linear') return permute(tensor.data, tensor.shape, [1, 0]);
  return tensor;
}

/** Converts one of our tensors to PyTorch's layout. */
export function toTorchLayout(layout: ParamLayout, tensor: StateTensor): StateTensor {
  if (layout === 'conv') return permute(tensor.data, tensor.shape, CONV_TO_TORCH);
  if (layout === 'linear') return permute(tensor.data, tensor.shape, [1, 0]);
  return tensor;
}
