/**
 * @nn/tensor: the Tensor, dtypes, shapes, broadcasting, views, seeded randomness, memory scopes,
 * the Backend contract and the backend registry. Knows no backend and no gradient rule.
 */
export type {
  AdamStepArgs,
  AttentionArgs,
  AttentionBackwardArgs,
  Backend,
  BackendMemory,
  BinaryOp,
  Conv2dParams,
  FusedActivation,
  FusedKernels,
  LossReduction,
  Pool2dParams,
  Probe,
  RandomSpec,
  ReduceOp,
  SgdStepArgs,
  Storage,
  TensorView,
  UnaryOp,
} from './backend.js';
export { BINARY_OPS, COMPARISON_OPS, REDUCE_OPS, UNARY_OPS } from './backend.js';
export { var_ } from './deprecated.js';
export type { ArrayFor, DType, TypedArray } from './dtype.js';
export { bytesPerElement, DTYPES, isFloat, makeTypedArray, promoteTypes } from './dtype.js';
export type { BackwardOptions } from './engine.js';
export {
  enableGrad,
  getBackend,
  isGradEnabled,
  listBackends,
  manualSeed,
  noGrad,
  RandomGenerator,
  registerBackend,
  removeBackend,
  setBackend,
  use,
  withGenerator,
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
  PlatformError,
  ShapeError,
  ValueError,
} from './errors.js';
export { formatTensor } from './format.js';
export type { MemoryInfo, TensorContainer } from './memory.js';
export { dispose, keep, memory, tidy } from './memory.js';
export * from './ops/activation.js';
export type { CreateOptions } from './ops/creation.js';
export {
  arange,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  rand,
  randint,
  randLike,
  randn,
  randnLike,
  randperm,
  scalar,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export type { CumulativeOptions } from './ops/cumulative.js';
export { cumprod, cumsum } from './ops/cumulative.js';
export type { Dims } from './ops/dim-args.js';
export { einsum, outer } from './ops/einsum.js';
export type { ClampOptions } from './ops/elementwise.js';
export {
  abs,
  add,
  cast,
  ceil,
  clamp,
  clampMax,
  clampMin,
  cos,
  div,
  eq,
  erf,
  exp,
  expm1,
  floor,
  ge,
  gt,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  round,
  rsqrt,
  sign,
  sin,
  sqrt,
  square,
  sub,
  where,
} from './ops/elementwise.js';
export type { IndexItem } from './ops/indexing.js';
export { gather, index, indexSelect, narrow, scatterAdd, select } from './ops/indexing.js';
export { maskedFill, tril, triu } from './ops/mask.js';
export { bmm, matmul, mm } from './ops/matmul.js';
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
} from './ops/reduce.js';
export { flip, roll } from './ops/reorder.js';
export { repeat, tile } from './ops/repeat.js';
export type { MultinomialOptions } from './ops/sample.js';
export { multinomial } from './ops/sample.js';
export type { DimOption, FlattenOptions, SliceSpec } from './ops/shape.js';
export {
  cat,
  chunk,
  contiguous,
  expand,
  flatten,
  permute,
  reshape,
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
export type { SortOptions, TopkOptions } from './ops/sort.js';
export { argsort, sort, topk } from './ops/sort.js';
export { assertTensor, checkNumber, describeValue } from './ops/util.js';
export {
  checkOptions,
  isOptionsObject,
  optionKeys,
  suggestOption,
  UnknownOptionError,
} from './options.js';
export { collectGarbage } from './pressure.js';
export type { ProfileEntry, ProfileReport, Profiler, RegionEntry } from './profiler.js';
export { startProfiler } from './profiler.js';
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
export { isTensor, Tensor } from './tensor.js';
