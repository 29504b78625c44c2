export {
  type BatchNorm3dOptions,
  type BatchNorm3dState,
  batchNorm3d,
  createBatchNorm3dState,
} from './batchnorm3d.js';
export { type Conv3dImplementation, type Conv3dOptions, conv3d } from './conv3d.js';
export { conv3dFlops, Op3dArgumentError, type Padding3D, type Triple } from './geometry.js';
export { avgPool3d, globalAvgPool3d, maxPool3d, type Pool3dOptions } from './pool3d.js';
