/**
 * @nn/data: datasets and loaders (PyTorch-style `Dataset`, `TensorDataset`, `DataLoader`),
 * splits, one-hot labels, feature scalers and the MNIST digits.
 */
export { checkIndex, collate, Dataset, Subset, TensorDataset } from './dataset.js';
export type { DataLoaderOptions } from './loader.js';
export { DataLoader } from './loader.js';
export type { MnistArrays, MnistOptions, MnistSplit } from './mnist.js';
export { loadMnist, loadMnistArrays, MNIST_SIZE } from './mnist.js';
export { oneHot } from './onehot.js';
export { Shuffler, seededPermutation } from './permutation.js';
export type { ScalerState } from './scalers.js';
export { MinMaxScaler, StandardScaler } from './scalers.js';
export type { TrainTestSplitOptions } from './split.js';
export { randomSplit, trainTestSplit } from './split.js';
