/**
 * @nn/train: a training loop you don't have to write (`fit`, `evaluate`, `predict`), streaming
 * metrics, callbacks (early stopping, checkpoints, schedulers), a terminal progress bar, and the
 * scikit-learn-style `NeuralNetwork` estimator.
 */
export type {
  BatchLogs,
  Callback,
  EarlyStoppingOptions,
  EpochLogs,
  EpochScheduler,
  MetricScheduler,
  ModelCheckpointOptions,
  SchedulerCallbackOptions,
  TrainContext,
} from './callbacks.js';
export { EarlyStopping, inferMode, LambdaCallback, ModelCheckpoint, SchedulerCallback } from './callbacks.js';
export type { LrSchedulerConfig, NeuralNetworkConfig, OptimizerName } from './estimator/config.js';
export type { ArrayInput } from './estimator/inputs.js';
export type { RegressionEvaluation, TrainOptions } from './estimator/neural-network.js';
export { NeuralNetwork } from './estimator/neural-network.js';
export type { BatchSource, EvaluateOptions, FitOptions, LossLike, OptimizerLike } from './fit.js';
export { evaluate, fit, History, NonFiniteLossError, predict } from './fit.js';
export type { ClassReport, Metric, MetricName } from './metrics.js';
export {
  Accuracy,
  ConfusionMatrix,
  classificationReport,
  MacroScore,
  MeanAbsoluteError,
  MeanSquaredError,
  makeMetric,
  predictedClasses,
  R2Score,
  score,
  TopKAccuracy,
} from './metrics.js';
export type { TrainableModel } from './model.js';
export { WeightSnapshot } from './model.js';
export type { ProgressOptions, ProgressStream } from './progress.js';
export { formatDuration, formatLogs, ProgressBar } from './progress.js';
export type { SerializedTensor, StatefulModel, WeightsFileOptions } from './serialize.js';
export {
  deserializeTensor,
  loadWeights,
  ModelFileError,
  NonFiniteWeightsError,
  saveWeights,
  serializeStateDict,
  serializeTensor,
} from './serialize.js';
