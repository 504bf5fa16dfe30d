import { IndexError } from '@nn/tensor';

/**
 * Index values live on the GPU, so the frontend cannot check them before a kernel runs (that
 * would need a read inside the op). Kernels that read an index tensor check each value instead
 * and record the first one out of range here, as a device-side assert would; the next read of
 * any tensor copies the record back with its data and rejects with an IndexError.
 *
 * Layout (u32): [0] op code (0 = no error), [1] dim, [2] size of that dim, [3] the value (i32 bits).
 */
export const INDEX_ERROR_BYTES = 16;

/** Which op a report comes from; the kernel cannot know the frontend op, only its index layout. */
export const IndexOp = {
  gather: 1,
  indexSelect: 2,
  scatterAdd: 3,
  maxPool2dBackward: 4,
  /** A 1-D gather: the frontend's indexSelect and gather make the same call. */
  gather1d: 5,
} as const;

const OP_NAMES: Record<number, string> = {
  [IndexOp.gather]: 'gather',
  [IndexOp.indexSelect]: 'indexSelect',
  [IndexOp.scatterAdd]: 'scatterAdd',
  [IndexOp.maxPool2dBackward]: 'maxPool2d backward',
  [IndexOp.gather1d]: 'indexSelect/gather',
};

/** The binding kernels add as their last output (declare it with `header`). */
export const INDEX_ERROR_BINDING = { name: 'index_errors', type: 'atomic<u32>' } as const;

/** WGSL: `report_index(code, dim, size, value)`; the first report wins, later ones keep it. */
export const REPORT_INDEX = /* wgsl */ `
fn report_index(code: u32, dim: u32, size: u32, value: i32) {
  loop {
    let r = atomicCompareExchangeWeak(&index_errors[0], 0u, code);
    if (r.exchanged) {
      atomicStore(&index_errors[1], dim);
      atomicStore(&index_errors[2], size);
      atomicStore(&index_errors[3], bitcast<u32>(value));
      return;
    }
    // A weak exchange may fail spuriously: retry only while no other report has won.
    if (r.old_value != 0u) { return; }
  }
}
`;

/** The error a record read back from the GPU describes, or null when it holds none. */
export function indexErrorOf(record: Uint32Array): IndexError | null {
  const code = record[0];
  if (code === 0) return null;
  const op = OP_NAMES[code] ?? 'an indexing kernel';
  const value = record[3] | 0;
  const where =
    code === IndexOp.maxPool2dBackward
      ? `an input plane of ${record[2]} elements`
      : `dim ${record[1]} of size ${record[2]}`;
  return new IndexError(
    `${op}: index ${value} is out of range for ${where} (detected on the GPU at the next read)`,
  );
}
