// The names language model as a library, for the bench harness and the docs.
export { gptConfigOf, NAMES_DEFAULTS, type NamesOptions, trainConfigOf } from './args.js';
export { decodeStep, KVCache } from './kv-cache.js';
export { type GPTConfig, NamesGPT } from './model.js';
export { type SampleOptions, sampleNames } from './sample.js';
export {
  batchArrays,
  batchOrder,
  evaluateLoss,
  gatherBatch,
  lossOf,
  lrFactor,
  type NameRows,
  nameRows,
  type StepReport,
  type TrainConfig,
  type TrainResult,
  trainNames,
} from './train.js';
