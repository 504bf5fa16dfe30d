import { NNError } from '@nn/tensor';

/** What is wrong with a safetensors file; one code per defect the format's rules name. */
export type SafetensorsDefect =
  | 'file-too-short'
  | 'header-too-large'
  | 'header-past-end'
  | 'header-not-json'
  | 'header-not-object'
  | 'duplicate-key'
  | 'bad-metadata'
  | 'bad-entry'
  | 'unknown-dtype'
  | 'unsupported-dtype'
  | 'bad-shape'
  | 'bad-offsets'
  | 'offsets-reversed'
  | 'size-mismatch'
  | 'offsets-gap'
  | 'offsets-overlap'
  | 'buffer-truncated'
  | 'buffer-not-covered'
  | 'bad-input';

/**
 * A safetensors file (or a write request) that breaks the format. `code` names the defect, so a
 * caller can tell them apart without parsing the message.
 */
export class SafetensorsError extends NNError {
  override name = 'SafetensorsError';
  constructor(
    readonly code: SafetensorsDefect,
    message: string,
  ) {
    super(message);
  }
}

/** What is wrong with a PyTorch checkpoint. `refused-global` is the unpickler saying no to code. */
export type TorchCheckpointDefect =
  | 'not-a-checkpoint'
  | 'bad-zip'
  | 'compressed-entry'
  | 'bad-pickle'
  | 'refused-global'
  | 'refused-opcode'
  | 'bad-storage'
  | 'unsupported-dtype'
  | 'no-state-dict';

/** A PyTorch checkpoint that cannot be read, or that asks for something the unpickler refuses. */
export class TorchCheckpointError extends NNError {
  override name = 'TorchCheckpointError';
  constructor(
    readonly code: TorchCheckpointDefect,
    message: string,
  ) {
    super(message);
  }
}

/** A module, option or input `exportOnnx` cannot express in ONNX. */
export class OnnxExportError extends NNError {
  override name = 'OnnxExportError';
}

/** A source (`path`, `URL`, `Blob`, bytes) that cannot be read, or a stored model that is not there. */
export class SourceError extends NNError {
  override name = 'SourceError';
}
