// The kernels of @nn/backend-wasm. Memory is imported and owned by the JavaScript allocator;
// kernels take byte pointers and never allocate.

export { col2im, im2col } from './conv';
export { binaryF32 } from './elementwise';
export { gemm, gemmPackedB, gemmScratchBytes, packBAll, packedBBytes } from './gemm';
export { adamF32, sgdF32 } from './optim';
export { reduceF32 } from './reduce';

/** First byte free for the JavaScript allocator (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
/** 1 in the relaxed-SIMD build: the instance itself says which kernels run, even for a served file. */
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
export { maxPool2dBackwardF32, maxPool2dF32 } from './pool';
export { compareF32, reluBackwardF32, whereF32 } from './select';
export { unaryF32 } from './unary';
export { copy32, gatherRows } from './copy';
export { convBackwardInput, convBackwardWeight, convForward } from './convgemm';
export { allFinite, directCorrelate, directWeight, splatWeights } from './convdirect';
export { softmaxBackwardRowsF32, softmaxRowsF32 } from './softmax';
export { attentionBackward, attentionForward } from './attention';
export { crossEntropyBackwardF32, crossEntropyF32 } from './loss';
