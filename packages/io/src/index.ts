/// <reference path="./host-globals.ts" preserve="true" />
/**
 * @nn/io: model files in and out. safetensors both ways, PyTorch checkpoints in (no Python, an
 * allow-listed unpickler), ONNX out, browser storage, and `writeFileAtomic`, the one way nn
 * writes a file in Node.
 */
export { writeFileAtomic } from './atomic-write.js';
export type { ElementType } from './elements.js';
export type { SafetensorsDefect, TorchCheckpointDefect } from './errors.js';
export { OnnxExportError, SafetensorsError, SourceError, TorchCheckpointError } from './errors.js';
export type { LoadOptions } from './make-tensor.js';
export type { HasStateDict, LoadedModel, SaveModelOptions } from './model.js';
export { CONFIG_KEY, deleteModel, listModels, loadModel, saveModel } from './model.js';
export type { ExportOnnxOptions } from './onnx/export.js';
export { exportOnnx } from './onnx/export.js';
export { loadSafetensors } from './safetensors/load.js';
export type { SafetensorsContents } from './safetensors/read.js';
export { readSafetensors } from './safetensors/read.js';
export type { NamedTensors, WriteSafetensorsOptions } from './safetensors/write.js';
export { writeSafetensors } from './safetensors/write.js';
export type { Source } from './source.js';
export type { LoadTorchOptions } from './torch/load.js';
export { loadTorch, readTorch } from './torch/load.js';
