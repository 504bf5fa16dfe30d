/**
 * @nn/tensor: the Tensor, dtypes, shapes, broadcasting, views, seeded randomness, memory scopes,
 * the Backend contract and the backend registry. Knows no backend and no gradient rule.
 */
export type {
  AdamStepArgs,
  Backend,
  BackendMemory,
  BinaryOp,
  Conv2dParams,
  FusedKernels,
  Pool2dParams,
  RandomSpec,
  ReduceOp,
  SgdStepArgs,
  Storage,
  TensorView,
  UnaryOp,
} from './backend.js';
export { BINARY_OPS, COMPARISON_OPS, REDUCE_OPS, UNARY_OPS } from './backend.js';
export type { Conv2dGeometry } from './conv-geometry.js';
export { conv2dGeometry } from './conv-geometry.js';
export type { ArrayFor, DType, TypedArray } from './dtype.js';
export { bytesPerElement, DTYPES, isFloat, makeTypedArray, promoteTypes } from './dtype.js';
export type { BackwardOptions, GradEngine, GradFn } from './engine.js';
export {
  getBackend,
  getGradEngine,
  isGradEnabled,
  listBackends,
  manualSeed,
  recordOp,
  registerBackend,
  removeBackend,
  setBackend,
  setGradEngine,
  takeCounters,
  use,
  withGradMode,
} from './engine.js';
export {
  AutogradError,
  BackendError,
  DisposedError,
  DTypeError,
  fmtShape,
  IndexError,
  NNError,
  ShapeError,
  ValueError,
} from './errors.js';
export { formatTensor } from './format.js';
export type { MemoryInfo, TensorContainer } from './memory.js';
export { dispose, keep, memory, tidy } from './memory.js';
export * from './ops/activation.js';
export * from './ops/creation.js';
export type { Dims } from './ops/dim-args.js';
export type { ClampOptions } from './ops/elementwise.js';
export * from './ops/elementwise.js';
export type { IndexItem } from './ops/indexing.js';
export { gather, index, indexSelect, narrow, scatterAdd, select } from './ops/indexing.js';
export { batchedMatmul, bmm, matmul, mm } from './ops/matmul.js';
export * from './ops/nn/index.js';
export type {
  DimOptions,
  NormOptions,
  SingleDimOptions,
  ValuesIndices,
  VarOptions,
} from './ops/reduce.js';
export {
  amax,
  amin,
  argmax,
  argmin,
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  norm,
  prod,
  softmax,
  std,
  sum,
  variance,
  variance as var_,
} from './ops/reduce.js';
export type { DimOption, FlattenOptions, SliceSpec } from './ops/shape.js';
export {
  cat,
  chunk,
  contiguous,
  expand,
  flatten,
  permute,
  reshape,
  sliceView,
  split,
  squeeze,
  stack,
  t,
  to,
  toAsync,
  transpose,
  unflatten,
  unsqueeze,
  view,
} from './ops/shape.js';
export { assertTensor, checkNumber, describeValue, fromStorage } from './ops/util.js';
export { checkOptions, isOptionsObject, optionKeys, suggestOption, UnknownOptionError } from './options.js';
export { fillRandom, threefry2x32 } from './random.js';
export type { Shape } from './shape.js';
export {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  isContiguous,
  normalizeDim,
  normalizeDims,
  shapesEqual,
  sizeOf,
} from './shape.js';
export type { NestedArray } from './tensor.js';
export { isTensor, SavedTensor, Tensor } from './tensor.js';
