export { conv3d, type Conv3dOptions, type Padding3D, type Triple } from './conv3d.js';
