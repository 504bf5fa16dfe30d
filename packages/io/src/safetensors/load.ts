import type { Tensor } from '@nn/tensor';
import { checkLoadOptions, disposeAll, type LoadOptions } from '../make-tensor.js';
import { openSource, type Source } from '../source.js';
import { headerLength, parseHeader } from './header.js';
import { entryTensor, readSafetensors } from './read.js';

/**
 * The tensors of a safetensors file from any source (path, URL, Blob/File, bytes), by name in file
 * order, checked as `readSafetensors` does. A path is read one tensor at a time, so loading
 * needs the tensors' memory plus one tensor's bytes, not the whole file twice.
 *
 * @example
 * model.loadStateDict(await loadSafetensors('model.safetensors'));
 */
export async function loadSafetensors(
  source: Source,
  options: LoadOptions = {},
): Promise<Map<string, Tensor>> {
  checkLoadOptions('loadSafetensors', options);
  const opened = await openSource('loadSafetensors', source);
  if (opened.kind === 'bytes') return readSafetensors(opened.bytes, options).tensors;
  const { file } = opened;
  const made = new Map<string, Tensor>();
  try {
    const n = headerLength(await file.read(0, Math.min(8, file.size)), file.size);
    const header = parseHeader(await file.read(8, n), file.size - 8 - n);
    for (const e of header.entries) {
      const bytes = await file.read(header.dataStart + e.begin, e.end - e.begin);
      made.set(e.name, entryTensor(e, bytes, options));
    }
    return made;
  } catch (err) {
    disposeAll(made.values());
    throw err;
  } finally {
    await file.close();
  }
}
