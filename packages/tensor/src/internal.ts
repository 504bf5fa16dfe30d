/**
 * @nn/tensor/internal: what the other packages of nn need from the engine and users do not —
 * recording ops for autograd, the grad-engine hook, wrapping storage a kernel returned, kernels
 * that skip validation (their callers have validated), the host side of the seeded generator and
 * helpers for backend kernels. Not a stable API: anything here may change in any release.
 * Nothing exported here is exported by '@nn/tensor' (a test checks the two are disjoint).
 */
export type { Conv2dGeometry } from './conv-geometry.js';
export { conv2dGeometry } from './conv-geometry.js';
export { warnDeprecated } from './deprecation.js';
export type { GradEngine, GradFn } from './engine.js';
export { getGradEngine, recordOp, setGradEngine, takeCounters } from './engine.js';
export { crossEntropyRows, crossEntropyRowsBackward } from './host-kernels/cross-entropy.js';
export { track } from './memory.js';
export type {
  ArithmeticOp,
  OpKind,
  OpName,
  OpSignature,
  OpTable,
  RecordedUnaryOp,
  UnaryParams,
} from './op-table.js';
export { OPS } from './op-table.js';
export { randpermArray } from './ops/creation.js';
export { binary, unary } from './ops/elementwise.js';
export { scatterAddZeros } from './ops/indexing.js';
export { batchedMatmul } from './ops/matmul.js';
export type { AttentionBackwardInputs } from './ops/nn/attention.js';
export { scaledDotProductAttentionBackward } from './ops/nn/attention.js';
export {
  avgPool2dBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dBiasBackward,
  maxPool2dBackward,
} from './ops/nn/backward.js';
export { binaryCrossEntropy } from './ops/nn/binary-cross-entropy.js';
export { convActivation } from './ops/nn/conv.js';
export { crossEntropyBackward, crossEntropyIndex } from './ops/nn/cross-entropy.js';
export { linearActivation, reluBackward } from './ops/nn/linear.js';
export type { AdamHyper, AdamMoments, AdamResult, SgdHyper, SgdResult } from './ops/optim.js';
export { adamStep, sgdStep } from './ops/optim.js';
export { softmaxBackward } from './ops/reduce.js';
export type { SliceSpec } from './ops/shape.js';
export { sliceView } from './ops/shape.js';
export { fromStorage } from './ops/util.js';
export { timeMethods } from './profiler.js';
export { fillRandom, threefry2x32 } from './random.js';
export { argsortContiguous, sortedPositions } from './sort-order.js';
export { SavedTensor } from './tensor.js';
