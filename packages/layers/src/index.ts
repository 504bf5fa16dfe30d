/**
 * @nn/layers: PyTorch-style modules. `Module` (parameters, buffers, train/eval, state dicts,
 * moving between backends), containers, the common layers with PyTorch's parameter names and
 * default initialisation, and `init`.
 */
export { ModuleDict, ModuleList, Sequential } from './containers.js';
export * as init from './init.js';
export type { Activation, ActivationName } from './layers/activation.js';
export {
  activationModule,
  ELU,
  GELU,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from './layers/activation.js';
export type { AttentionCallOptions, MultiheadAttentionOptions } from './layers/attention.js';
export { MultiheadAttention } from './layers/attention.js';
export type { AttentionCoreOptions } from './layers/attention-core.js';
export type { ConvLayerOptions } from './layers/conv.js';
export { Conv1d, Conv2d, Conv3d } from './layers/conv.js';
export type { ConvTransposeLayerOptions } from './layers/conv-transpose.js';
export { ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from './layers/conv-transpose.js';
export { Dropout, GaussianNoise, WeightNoise } from './layers/dropout.js';
export type { EmbeddingOptions } from './layers/embedding.js';
export { Embedding } from './layers/embedding.js';
export type { GroupNormOptions } from './layers/group-norm.js';
export { GroupNorm } from './layers/group-norm.js';
export type { DenseOptions, LinearOptions } from './layers/linear.js';
export { Dense, Linear } from './layers/linear.js';
export type { BatchNormLayerOptions, LayerNormOptions } from './layers/norm.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm } from './layers/norm.js';
export type { MaxPoolOutput } from './layers/pool.js';
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d } from './layers/pool.js';
export type { UpsampleOptions } from './layers/resample.js';
export { PixelShuffle, PixelUnshuffle, Upsample } from './layers/resample.js';
export type { ElmanRNNOptions, RNNOptions } from './layers/rnn.js';
export { GRU, LSTM, RNN } from './layers/rnn.js';
export { Flatten, Unflatten } from './layers/shape.js';
export type {
  DecoderCallOptions,
  EncoderCallOptions,
  EncoderStackCallOptions,
  TransformerLayerOptions,
  TransformerStackOptions,
} from './layers/transformer.js';
export {
  generateSquareSubsequentMask,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from './layers/transformer.js';
export type { FactoryOptions } from './layers/util.js';
export type {
  AnyModule,
  KeyRemap,
  LoadStateDictOptions,
  LoadStateDictResult,
  StateDict,
  StateDictLike,
} from './module.js';
export { Module } from './module.js';
export { isParameter, Parameter } from './parameter.js';
