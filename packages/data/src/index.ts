/**
 * @nn/data: datasets and loaders (PyTorch-style `Dataset`, `TensorDataset`, `DataLoader`),
 * splits, one-hot labels, feature scalers, the MNIST digits and English first names with a
 * character vocabulary.
 */
export { checkIndex, collate, Dataset, Subset, TensorDataset } from './dataset.js';
export type { DataLoaderOptions } from './loader.js';
export { DataLoader } from './loader.js';
export type { MnistArrays, MnistOptions, MnistSplit } from './mnist.js';
export { loadMnist, loadMnistArrays, MNIST_SIZE } from './mnist.js';
export type { Names, NamesOptions, NamesSplit } from './names.js';
export { loadNames, NAMES_SIZE, splitNames } from './names.js';
export { oneHot } from './onehot.js';
export { Shuffler, seededPermutation } from './permutation.js';
export type { ScalerState } from './scalers.js';
export { MinMaxScaler, StandardScaler } from './scalers.js';
export type { TrainTestSplitOptions } from './split.js';
export { randomSplit, trainTestSplit } from './split.js';
export type { CharVocabularyOptions, SequenceArrays, Sequences } from './vocabulary.js';
export { CharVocabulary, IGNORE_INDEX } from './vocabulary.js';
