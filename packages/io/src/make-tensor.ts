import {
  checkOptions,
  type DType,
  DTypeError,
  getBackend,
  keep,
  type Tensor,
  type TypedArray,
  tensor,
} from '@nn/tensor';

/** Where loaded tensors go. */
export interface LoadOptions {
  /** Backend name for the tensors (the current backend by default). */
  backend?: string;
}

/** Checks `LoadOptions` (an unknown key is an UnknownOptionError naming the right one). */
export function checkLoadOptions(op: string, options: LoadOptions | undefined): LoadOptions {
  return checkOptions(op, options, ['backend']);
}

/**
 * A kept tensor (outside every `tidy`: the caller owns it) over `values`, which upload copies;
 * the one copy of the bytes on their way in.
 */
export function makeTensor(
  op: string,
  name: string,
  values: TypedArray,
  dtype: DType,
  shape: readonly number[],
  options: LoadOptions,
): Tensor {
  const backend = getBackend(options.backend);
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(
      `${op}: '${name}' is ${dtype}, which the '${backend.name}' backend does not hold; load it on 'cpu' ({ backend: 'cpu' }) and convert it, or let loadStateDict convert it`,
    );
  }
  return keep(tensor(values, { dtype, shape, backend: backend.name }));
}

/** Frees tensors made before a failure, so a failed load leaves nothing behind. */
export function disposeAll(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.dispose();
}
