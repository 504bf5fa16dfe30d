// The kernels of @nn/backend-wasm. Memory is imported and owned by the JavaScript allocator;
// kernels take byte pointers and never allocate.
export { gemm, gemmScratchBytes } from './gemm';
export { binaryF32 } from './elementwise';
export { reduceF32 } from './reduce';
export { im2col, col2im, im2colBatch, col2imBatch } from './conv';
export { adamF32, sgdF32 } from './optim';

/** First byte free for the JavaScript allocator (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
export { compareF32, whereF32 } from './select';
export { unaryF32 } from './unary';
export { maxPool2dF32, maxPool2dBackwardF32 } from './pool';
