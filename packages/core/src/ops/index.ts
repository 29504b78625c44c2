export { conv3d, type Conv3dImplementation, type Conv3dOptions } from './conv3d.js';
export { conv3dFlops, Op3dArgumentError, type Padding3D, type Triple } from './geometry.js';
