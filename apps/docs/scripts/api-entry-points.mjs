// The main entry points of each public package: their doc comments must carry an @example
// (scripts/api.mjs fails the build otherwise). A package missing here needs no example.
export const MAIN_ENTRY_POINTS = {
  '@nn/tensor': ['tensor', 'Tensor', 'tidy', 'memory', 'use', 'manualSeed'],
  '@nn/autograd': ['installAutograd', 'noGrad', 'gradcheck'],
  '@nn/layers': ['Module', 'Sequential', 'Linear', 'Conv2d'],
  '@nn/losses': ['crossEntropy', 'CrossEntropyLoss', 'mseLoss'],
  '@nn/optim': ['Adam', 'SGD'],
  '@nn/data': ['DataLoader', 'TensorDataset', 'loadMnist'],
  '@nn/train': ['fit', 'NeuralNetwork'],
  '@nn/io': ['writeFileAtomic'],
  '@nn/backend-cpu': ['cpu'],
  '@nn/backend-wasm': ['wasm'],
  '@nn/backend-webgpu': ['webgpu'],
};
