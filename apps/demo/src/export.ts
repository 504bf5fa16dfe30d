import { join } from 'node:path';
import { exportOnnx, writeFileAtomic, writeSafetensors } from '@nn/io';
import type { Sequential } from '@nn/layers';
import { zeros } from '@nn/tensor';
import type { ModelKind } from './args.js';

/**
 * `--export`: the trained model as `mnist-<kind>.safetensors` (its state dict as PyTorch names it,
 * integers as int64: `load_state_dict(safetensors.torch.load_file(...))` takes it) and
 * `mnist-<kind>.onnx` (opset 17, dynamic batch, input `input`, output `output`: logits), both
 * written atomically into `outDir`. Returns the two paths.
 */
export async function exportModel(
  model: Sequential,
  kind: ModelKind,
  outDir: string,
): Promise<[string, string]> {
  const safetensorsPath = join(outDir, `mnist-${kind}.safetensors`);
  const onnxPath = join(outDir, `mnist-${kind}.onnx`);
  const sd = model.stateDict();
  let weights: Uint8Array;
  try {
    weights = await writeSafetensors(sd, { format: 'pt' }, { dtypes: { int32: 'I64' } });
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  await writeFileAtomic(safetensorsPath, weights);
  const example = zeros(kind === 'cnn' ? [1, 1, 28, 28] : [1, 784]);
  try {
    await writeFileAtomic(onnxPath, await exportOnnx(model, example, { opset: 17 }));
  } finally {
    example.dispose();
  }
  return [safetensorsPath, onnxPath];
}
