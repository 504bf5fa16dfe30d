/** Functional neural-network ops (PyTorch's torch.nn.functional): validation, then a fused kernel or a composite. */
export type { IntOrTuple } from './args.js';
export type { ConvOptions } from './conv.js';
export { conv1d, conv2d, conv3d } from './conv.js';
export { dropout } from './dropout.js';
export { embedding } from './embedding.js';
export { linear } from './linear.js';
export type { BatchNormOptions } from './norm.js';
export { batchNorm, layerNorm } from './norm.js';
export { pad } from './pad.js';
export type { AvgPoolOptions, MaxPoolOptions, PoolWithIndices } from './pool.js';
export { adaptiveAvgPool2d, avgPool2d, maxPool1d, maxPool2d } from './pool.js';
